// The yearly report in a browser (R14.1, R14.2), run by tests/it/browser.rs: an agency's
// administrator drafts Cẩm Thành's report from the figures, edits it and adds a roadmap line; the
// leader approves and sends it; the province's administrator consolidates the year and sends it.
// The PDF and XLSX download; every page is audited with axe-core and photographed into $SHOTS.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { kit } from './kit.mjs';

const BASE = process.env.BASE;
const SHOTS = process.env.SHOTS;
const PEOPLE = JSON.parse(process.env.PEOPLE); // {admin, leader, province}: [login, password]
fs.mkdirSync(SHOTS, { recursive: true });
const { check, must, expectText, login, problems, audited } = kit(BASE, SHOTS);

async function submitForm(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(`${selector} button[type="submit"]`)]);
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', acceptDownloads: true });

  // The administrator drafts the report from the figures.
  const admin = await desk.newPage();
  await login(admin, ...PEOPLE.admin);
  await admin.goto(`${BASE}/can-bo`);
  await Promise.all([admin.waitForNavigation(), admin.click('a:has-text("Báo cáo năm")')]);
  await check(admin, 'danh-sach');
  await submitForm(admin, '#lap-bao-cao-nam');
  await expectText(admin, 'Đã lập dự thảo báo cáo từ số liệu', 'the draft is made');
  await expectText(admin, 'tiếp nhận 1 hồ sơ', 'drafted from the figures');
  await check(admin, 'du-thao');
  const reportUrl = admin.url().split('?')[0];

  // Edits the text, adds a roadmap line; cannot send it.
  const results = await admin.inputValue('#s-results');
  await admin.fill('#s-results', `${results}\nĐã tập huấn CANARY-BROWSER cho cán bộ một cửa.`);
  await admin.fill('#s-proposals', 'Đề nghị Sở hỗ trợ ký số.');
  await submitForm(admin, '#noi-dung-bao-cao');
  await expectText(admin, 'Đã lưu thay đổi', 'the text is saved');
  await admin.selectOption('#target', 'full');
  await admin.fill('#by', '2027-06-30');
  await submitForm(admin, '#them-lo-trinh');
  await expectText(admin, '30/06/2027', 'the roadmap line');
  await expectText(admin, 'Toàn trình', 'its level');
  must((await admin.locator('#duyet-gui').count()) === 0, 'an administrator does not send the report');
  await check(admin, 'lo-trinh');

  // A wrong date is refused with its reason, and nothing is lost.
  await admin.fill('#by', '2026-12-15');
  await submitForm(admin, '#them-lo-trinh');
  await expectText(admin, 'trong năm sau năm báo cáo', 'a date outside next year');
  await expectText(admin, 'CANARY-BROWSER', 'the saved text is still there');
  await check(admin, 'lo-trinh-sai');

  // The leader approves and sends it.
  const leaderCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', acceptDownloads: true });
  const leader = await leaderCtx.newPage();
  await login(leader, ...PEOPLE.leader);
  await leader.goto(reportUrl);
  await expectText(leader, 'CANARY-BROWSER', 'the leader reads the edited draft');
  await submitForm(leader, '#duyet-gui');
  await expectText(leader, 'Đã duyệt và gửi báo cáo', 'sent');
  must((await leader.locator('#noi-dung-bao-cao').count()) === 0, 'a sent report is not edited');
  await check(leader, 'da-gui');
  const [pdf] = await Promise.all([leader.waitForEvent('download'), leader.click('a:has-text("PDF")')]);
  const pdfFile = path.join(SHOTS, 'bao-cao-nam.pdf');
  await pdf.saveAs(pdfFile);
  must(fs.readFileSync(pdfFile).subarray(0, 5).toString() === '%PDF-', 'the PDF');
  const [xlsx] = await Promise.all([leader.waitForEvent('download'), leader.click('a:has-text("XLSX")')]);
  const xlsxFile = path.join(SHOTS, 'bao-cao-nam.xlsx');
  await xlsx.saveAs(xlsxFile);
  must(fs.readFileSync(xlsxFile).subarray(0, 2).toString() === 'PK', 'the XLSX');
  await leader.goto(`${reportUrl}/in`);
  await expectText(leader, 'CANARY-BROWSER', 'the printable page');
  await check(leader, 'ban-in');

  // The province consolidates the year: Cẩm Thành's report sent on time, then sends it.
  const provinceCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
  const province = await provinceCtx.newPage();
  await login(province, ...PEOPLE.province);
  await province.goto(`${BASE}/can-bo/bao-cao-nam`);
  await expectText(province, 'Đã gửi', 'the agency report is listed as sent');
  await submitForm(province, '#lap-tong-hop');
  await expectText(province, 'Các cơ quan', 'the consolidation lists the agencies');
  await expectText(province, 'Đã gửi đúng hạn', 'Cẩm Thành sent on time');
  await expectText(province, 'Chưa lập báo cáo', 'others have not');
  await check(province, 'tong-hop');
  await submitForm(province, '#duyet-gui');
  await expectText(province, 'Đã duyệt và gửi báo cáo', 'the consolidation is sent');
  await check(province, 'tong-hop-da-gui');
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`report flow passed: ${audited()} pages audited, screenshots in ${SHOTS}`);
