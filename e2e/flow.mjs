// Browser end-to-end flow (R5.1a, R6.2, R7.1a, R11.2, R11.3, R12, R8.2b), run by
// tests/it/browser.rs against the real server on loopback: a citizen (on a 360-pixel phone screen)
// registers, confirms the e-mail, finds the service by searching without diacritics, fills the
// form, attaches files, saves a draft, resumes it and submits; reception asks for a supplement, the
// citizen supplements, reception accepts and prints the receipt; the department drafts and approves
// the result; the citizen downloads it. Every page visited is audited with axe-core (no serious or
// critical violation) and photographed into $SHOTS.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { kit } from './kit.mjs';

// A valid one-pixel PNG (it decodes, and ends at IEND).
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const BASE = process.env.BASE;
const SHOTS = process.env.SHOTS;
const STAFF_PW = JSON.parse(process.env.STAFF_PW); // {login: password}
const PAYER = JSON.parse(process.env.PAYER); // {login, pw, dossier}: a level-4 fee due with the dossier
const CITIZEN = { id: '051099887766', email: 'e2e.nguoidan@example.com', pw: 'mật khẩu CANARYPW của người dân', name: 'Trần Thị Mai' };
fs.mkdirSync(SHOTS, { recursive: true });
const { check, must, expectText, set, login, problems, audited } = kit(BASE, SHOTS);

// A real one-page PDF (the agency signs the result, so the draft must parse), `pad` bytes longer.
function realPdf(tag, pad) {
  const content = `BT /F1 14 Tf 72 770 Td (${tag}) Tj ET\n% ${'x'.repeat(pad)}\n`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>',
    '<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}endstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.7\n';
  const offsets = objs.map((o, i) => { const at = out.length; out += `${i + 1} 0 obj\n${o}\nendobj\n`; return at; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` + offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// A paper of about `n` bytes: uploads are parsed as what they claim, so it is a real PDF.
function pdf(tag, n) {
  return realPdf(tag, Math.max(0, n - realPdf(tag, 0).length));
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN', acceptDownloads: true });
  const p = await phone.newPage();

  // Registration and e-mail confirmation.
  await p.goto(`${BASE}/dang-ky`);
  await check(p, 'dang-ky');
  await p.check('[name="kind"][value="citizen"]');
  await p.fill('[name="full_name"]', CITIZEN.name);
  await p.fill('[name="id_number"]', CITIZEN.id);
  await p.fill('[name="email"]', CITIZEN.email);
  await p.fill('[name="phone"]', '0912345678');
  await p.fill('[name="password"]', CITIZEN.pw);
  await p.fill('[name="password_again"]', CITIZEN.pw);
  await Promise.all([p.waitForNavigation(), p.click('form[action="/dang-ky"] button[type="submit"]')]);
  await check(p, 'dang-ky-xong');
  const mailbox = await phone.newPage();
  await mailbox.goto(`${BASE}/dev/hop-thu`);
  const mails = await mailbox.textContent('body');
  const link = mails.match(/https?:\/\/\S+\/xac-nhan-email\?\S+/);
  must(link, 'the confirmation e-mail carries its link');
  await mailbox.close();
  await p.goto(link[0].replace(/^https?:\/\/[^/]+/, BASE));
  await check(p, 'xac-nhan-email');
  await Promise.all([p.waitForNavigation(), p.click('form[action="/xac-nhan-email"] button[type="submit"]')]);
  await expectText(p, 'đăng nhập', 'e-mail confirmed');
  await login(p, CITIZEN.email, CITIZEN.pw);

  // Search without diacritics, open the service, start.
  await p.goto(`${BASE}/dich-vu-cong`);
  await p.fill('#q', 'giay phep xay dung');
  await Promise.all([p.waitForNavigation(), p.click('form.search button[type="submit"]')]);
  await check(p, 'tim-kiem');
  await Promise.all([p.waitForNavigation(), p.click('a:has-text("Cấp giấy phép xây dựng mới")')]);
  await check(p, 'thu-tuc');
  const procedurePage = p.url();
  // On a phone the page leads with what the person needs: where to submit, then the papers.
  const submitAt = await p.locator('a.button:has-text("Nộp hồ sơ trực tuyến")').first().boundingBox();
  must(submitAt && submitAt.y < 740, `"Nộp hồ sơ trực tuyến" on the first screen (at ${submitAt && submitAt.y}px)`);
  const height = await p.evaluate(() => document.documentElement.scrollHeight);
  console.log(`procedure page: ${height}px tall at 360px`);
  await expectText(p, 'Mức độ 3', 'a level-3 service');
  await Promise.all([p.waitForNavigation(), p.click('a.button:has-text("Nộp hồ sơ trực tuyến")')]);
  await check(p, 'bat-dau');
  await Promise.all([p.waitForNavigation(), p.click('button:has-text("Bắt đầu")')]);

  // The form: part of it, saved as a draft; resumed from "Hồ sơ của tôi".
  await set(p, 'ho_ten', CITIZEN.name);
  await set(p, 'so_dinh_danh', CITIZEN.id);
  await Promise.all([p.waitForNavigation(), p.click('button[name="buoc"][value="nhap"]')]);
  await check(p, 'luu-nhap');
  await p.goto(`${BASE}/ho-so`);
  await check(p, 'ho-so-cua-toi');
  await Promise.all([p.waitForNavigation(), p.click('a:has-text("Tiếp tục")')]).catch(() => {});
  if (!p.url().includes('/to-khai')) {
    await Promise.all([p.waitForNavigation(), p.click('a[href^="/ho-so/"]:not([href="/ho-so/moi"])')]);
    await Promise.all([p.waitForNavigation(), p.click('a:has-text("Tiếp tục khai hồ sơ")')]);
  }
  must((await p.inputValue('[name="ho_ten"]')) === CITIZEN.name, 'the draft kept the answers');
  await set(p, 'ngay_khoi_cong', '2026-04-01');
  await set(p, 'so_tang', '2');
  await set(p, 'loai_cong_trinh', 'nha_o');
  await set(p, 'nop_thay', 'khong');
  await set(p, 'dia_diem.province', 'Quảng Ngãi');
  await set(p, 'dia_diem.commune', 'Cẩm Thành');
  await set(p, 'dia_diem.detail', '12 Lê Lợi');
  await set(p, 'ban_ve.0.ten', 'Mặt bằng tầng 1');
  await check(p, 'to-khai');
  await Promise.all([p.waitForNavigation(), p.click('button[name="buoc"][value="tiep"]')]);
  const id = p.url().match(/\/ho-so\/([0-9a-f-]{36})/)[1];

  // Files, one component at a time; each shows its progress while it goes (slowed here so
  // that the bar can be seen; without JavaScript the form posts as usual).
  const slow = async (route) => { await new Promise((r) => setTimeout(r, 400)); await route.continue(); };
  await p.route('**/giay-to?csrf=*', slow);
  await p.setInputFiles('#f-don', { name: 'don.pdf', mimeType: 'application/pdf', buffer: pdf('don', 4000) });
  const uploaded = p.waitForNavigation();
  await p.click('#tp-don button:has-text("Tải lên")');
  await p.waitForSelector('#tp-don ul.progress progress');
  await uploaded;
  await p.unroute('**/giay-to?csrf=*', slow);
  must((await p.locator('#tp-don li:has-text("don.pdf")').count()) === 1, 'the paper sent under its progress bar is attached');
  // A photographed drawing: an image, which the staff page previews as well as the PDF.
  await p.setInputFiles('#f-ban-ve', { name: 'ban-ve.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1PX, 'base64') });
  await Promise.all([p.waitForNavigation(), p.click('#tp-ban-ve button:has-text("Tải lên")')]);
  await check(p, 'giay-to');
  await p.goto(`${BASE}/ho-so/${id}/nop`);
  await check(p, 'kiem-tra');
  // The person asks for the result by registered post (R8.2).
  await p.check('input[name="cach_nhan"][value="post"]');
  await p.fill('#f-post_recipient', 'Nguyễn Văn An');
  await p.fill('#f-post_phone', '0912 345 678');
  await p.fill('#f-post_address', '12 Lê Lợi, phường Cẩm Thành, Quảng Ngãi');
  await p.check('[name="cam_doan"]');
  await Promise.all([p.waitForNavigation(), p.click('button:has-text("Nộp hồ sơ")')]);
  await check(p, 'da-nop');
  await expectText(p, 'Nhận qua bưu chính công ích (bưu gửi bảo đảm): Nguyễn Văn An, 12 Lê Lợi', 'the chosen way on the dossier page');
  const code = (await p.textContent('h1')).replace('Hồ sơ', '').trim();
  must(/^000\.01\.01\.H53-\d{6}-\d{4}$/.test(code), `the dossier code is shown (${code})`);
  // Where a person claims a dossier they handed in at the counter (R11.2).
  await p.goto(`${BASE}/ho-so/nhan-ho-so`);
  await check(p, 'gan-ho-so');
  // The other citizen pages, on the same phone: home, the public look-up, the account with its
  // devices, the person's data, feedback.
  for (const [where, step] of [['/', 'trang-chu'], [`/tra-cuu?ma=${code}`, 'tra-cuu'], ['/tai-khoan', 'tai-khoan'], ['/tai-khoan/du-lieu', 'du-lieu-ca-nhan'], ['/phan-anh', 'phan-anh']]) {
    await p.goto(`${BASE}${where}`);
    await check(p, step);
  }

  // Reception asks for a supplement.
  const office = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
  const desk = await office.newPage();
  await login(desk, 'tiepnhan.camthanh', STAFF_PW['tiepnhan.camthanh']);
  await desk.goto(`${BASE}/can-bo/viec`);
  await check(desk, 'tiep-nhan-viec');
  await Promise.all([desk.waitForNavigation(), desk.click(`a:has-text("${code}")`)]);
  await check(desk, 'tiep-nhan-ho-so');
  // The papers previewed in the page (R11.1): a PDF page and the photo, as images the server
  // rendered; no file of the person's is served inline from this origin.
  const inline = [];
  const rendered = [];
  desk.on('response', (r) => {
    const h = r.headers();
    if (/\/trang\/\d+$/.test(r.url())) rendered.push(`${r.url().split('/tep/')[1]} ${r.status()}`);
    if (/\/tep\//.test(r.url()) && !/\/trang\/\d+$/.test(r.url()) && !(h['content-disposition'] || '').startsWith('attachment')) inline.push(r.url());
    if (/\/trang\/\d+$/.test(r.url()) && h['content-type'] !== 'image/jpeg') inline.push(`${r.url()} (not a rendered JPEG)`);
  });
  // Opened as an officer would, each in view (its image loads lazily, when near the screen).
  for (const d of await desk.locator('details.preview').all()) {
    await d.evaluate((x) => { x.open = true; });
    await d.scrollIntoViewIfNeeded();
  }
  // Polled from here: the page's CSP forbids the evaluated function waitForFunction injects.
  const loaded = () => desk.locator('details.preview img').evaluateAll((imgs) => imgs.length >= 2 && imgs.every((i) => i.complete && i.naturalWidth > 0));
  for (let i = 0; i < 150 && !(await loaded()); i++) await new Promise((r) => setTimeout(r, 200));
  must(await loaded(), `the previews loaded as images (${rendered})`);
  const previews = await desk.locator('details.preview img').evaluateAll((imgs) => imgs.map((i) => i.alt));
  must(previews.some((a) => a.includes('don.pdf')) && previews.some((a) => a.includes('ban-ve.png')), `a PDF page and an image previewed (${previews})`);
  await desk.screenshot({ path: path.join(SHOTS, 'xem-truoc.png'), fullPage: true });
  const declared = await desk.textContent('dl.declaration');
  must(declared.includes('Họ và tên chủ đầu tư'), 'the declaration on the staff page');
  const downloads = await desk.locator('ul.papers a[href^="/ho-so/"][href*="/tep/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  must(downloads.length >= 2, `the papers' downloads listed (${downloads.length})`);
  for (const href of downloads) {
    const r = await desk.request.get(`${BASE}${href}`);
    const cd = r.headers()['content-disposition'] || '';
    if (!cd.startsWith('attachment')) inline.push(`${href} (${cd || 'no content-disposition'})`);
  }
  must(inline.length === 0, `no user file served inline: ${inline}`);
  const staffStep = async (page, action, fill = async () => {}) => {
    const form = page.locator(`form:has(input[name="action"][value="${action}"])`);
    await form.locator('xpath=..').evaluate((d) => { d.open = true; });
    await fill(form);
    await Promise.all([page.waitForNavigation(), form.locator('button[type="submit"]').click()]);
    must(!(await page.textContent('body')).includes('Không thực hiện được'), `${action} went through`);
  };
  await staffStep(desk, 'request_supplement', async (f) => {
    await f.locator('input[name="components"][value="ban-ve"]').check();
    await f.locator('textarea[name="reasons"]').fill('Bản vẽ còn thiếu mặt cắt công trình');
  });
  await check(desk, 'yeu-cau-bo-sung');

  // The citizen sees the notice, supplements and resubmits.
  await p.goto(`${BASE}/thong-bao`);
  await check(p, 'thong-bao');
  await expectText(p, 'bổ sung', 'the supplement notice');
  await p.goto(`${BASE}/ho-so/${id}`);
  await expectText(p, 'Bản vẽ còn thiếu mặt cắt', 'the request on the dossier page');
  await check(p, 'ho-so-bo-sung');
  await p.goto(`${BASE}/ho-so/${id}/giay-to`);
  await p.setInputFiles('#f-ban-ve', { name: 'mat-cat.pdf', mimeType: 'application/pdf', buffer: pdf('mat-cat', 3000) });
  await Promise.all([p.waitForNavigation(), p.click('#tp-ban-ve button:has-text("Tải lên")')]);
  await p.goto(`${BASE}/ho-so/${id}/nop`);
  await p.check('[name="cam_doan"]');
  await Promise.all([p.waitForNavigation(), p.click('button:has-text("Nộp hồ sơ")')]);
  await check(p, 'nop-bo-sung');

  // Reception accepts and prints the receipt and appointment slip, then hands over.
  await desk.goto(`${BASE}/can-bo/ho-so/${id}`);
  await staffStep(desk, 'accept');
  await desk.goto(`${BASE}/ho-so/${id}/phieu/01`);
  await check(desk, 'phieu-01');
  await expectText(desk, 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ', 'slip 01');
  await desk.pdf({ path: path.join(SHOTS, 'phieu-01.pdf'), format: 'A5' });
  await desk.goto(`${BASE}/can-bo/ho-so/${id}`);
  await staffStep(desk, 'forward');

  // The leader assigns; the specialist drafts the result; the leader approves.
  const lead = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await login(lead, 'lanhdao.camthanh', STAFF_PW['lanhdao.camthanh']);
  await lead.goto(`${BASE}/can-bo/ho-so/${id}`);
  await staffStep(lead, 'assign');
  await check(lead, 'phan-cong');
  const spec = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await login(spec, 'chuyenvien.camthanh', STAFF_PW['chuyenvien.camthanh']);
  await spec.goto(`${BASE}/can-bo/ho-so/${id}`);
  await spec.setInputFiles('#file', { name: 'giay-phep.pdf', mimeType: 'application/pdf', buffer: realPdf('giay phep', 6000) });
  await Promise.all([spec.waitForNavigation(), spec.click('form[action*="/ket-qua"] button')]);
  await check(spec, 'van-ban-ket-qua');
  await staffStep(spec, 'propose_resolve');
  await lead.goto(`${BASE}/can-bo/ho-so/${id}`);
  await staffStep(lead, 'approve');
  // The citizen pays the fee online through the sandbox gateway (R7.2b): the gateway's page,
  // "Thanh toán", its server-to-server report, back to the dossier; the receipt prints.
  await p.goto(`${BASE}/ho-so/${id}`);
  await check(p, 'phi-le-phi');
  await Promise.all([p.waitForNavigation(), p.click('button:has-text("Thanh toán trực tuyến")')]);
  await check(p, 'cong-thanh-toan');
  await Promise.all([p.waitForNavigation(), p.click('button[name="choice"][value="pay"]')]);
  await expectText(p, 'Đã nhận thanh toán', 'paid once the IPN arrived');
  await check(p, 'ket-qua-thanh-toan');
  await p.goto(`${BASE}/ho-so/${id}`);
  await expectText(p, 'Đã nộp', 'the fee shows paid');
  await Promise.all([p.waitForNavigation(), p.click('a:has-text("Biên lai số")')]);
  await expectText(p, 'BIÊN LAI THU PHÍ, LỆ PHÍ', 'the printable receipt');
  await check(p, 'bien-lai');
  // The person changes their mind: the result at the office (R8.2); reception's return follows.
  await p.goto(`${BASE}/ho-so/${id}`);
  await Promise.all([p.waitForNavigation(), p.click('a:has-text("Đổi cách nhận")')]);
  await check(p, 'cach-nhan-ket-qua');
  must((await p.locator('input[name="cach_nhan"][value="online"]').count()) === 0, 'no online result at level 3 (R8.2a)');
  await p.check('input[name="cach_nhan"][value="office"]');
  await Promise.all([p.waitForNavigation(), p.click('button:has-text("Lưu cách nhận kết quả")')]);
  await expectText(p, 'Đã lưu cách nhận kết quả', 'the change saved');
  await expectText(p, 'Nhận tại bộ phận một cửa', 'the new way on the dossier page');
  await desk.goto(`${BASE}/can-bo/ho-so/${id}`);
  await expectText(desk, 'Nhận tại bộ phận một cửa', 'reception sees the way');
  must((await desk.locator('input[name="action"][value="return_by_post"]').count()) === 0, 'no return by post once the person chose the office');
  await staffStep(desk, 'return_at_office', async (f) => {
    const compared = f.locator('input[name="originals_compared"]');
    if (await compared.count()) await compared.check();
  });
  await check(desk, 'tra-ket-qua');

  // The citizen sees "Đã trả kết quả" and downloads the result.
  await p.goto(`${BASE}/ho-so/${id}`);
  await expectText(p, 'Đã trả kết quả', 'the returned status');
  await check(p, 'da-tra-ket-qua');
  // The result is the agency's signed PDF, numbered <dossier code>-KQ1 (R8.2b).
  const [download] = await Promise.all([p.waitForEvent('download'), p.click('a:has-text("-KQ1.pdf")')]);
  const saved = path.join(SHOTS, 'ket-qua-tai-ve.pdf');
  await download.saveAs(saved);
  must(fs.readFileSync(saved).subarray(0, 5).toString() === '%PDF-', 'the downloaded result is the PDF');
  // Anyone checks it on the authenticity page: issued here, unchanged; altered, it is not.
  await p.goto(`${BASE}/xac-thuc`);
  await p.setInputFiles('#file', saved);
  await Promise.all([p.waitForNavigation(), p.click('form[action^="/xac-thuc"] button')]);
  await expectText(p, 'Văn bản hợp lệ', 'the signed result verifies');
  await check(p, 'xac-thuc');
  const altered = fs.readFileSync(saved);
  const at = altered.indexOf('giay phep');
  altered[at] = 'G'.charCodeAt(0);
  await p.goto(`${BASE}/xac-thuc`);
  await p.setInputFiles('#file', { name: 'sua.pdf', mimeType: 'application/pdf', buffer: altered });
  await Promise.all([p.waitForNavigation(), p.click('form[action^="/xac-thuc"] button')]);
  await expectText(p, 'Không xác thực được', 'an altered result does not');

  // Another dossier of the same service: the papers come from the wallet (kho giấy tờ), where
  // the returned result is kept too, instead of being uploaded again.
  await p.goto(`${BASE}/kho-giay-to`);
  await expectText(p, 'Kết quả do', 'the returned result is in the wallet');
  await check(p, 'kho-giay-to');
  await p.goto(procedurePage);
  await Promise.all([p.waitForNavigation(), p.click('a.button:has-text("Nộp hồ sơ trực tuyến")')]);
  await Promise.all([p.waitForNavigation(), p.click('button:has-text("Bắt đầu")')]);
  const next = p.url().match(/\/ho-so\/([0-9a-f-]{36})/)[1];
  await p.goto(`${BASE}/ho-so/${next}/giay-to`);
  await p.locator('#tp-don details.wallet summary').click();
  await p.locator('#tp-don details.wallet label:has-text("don.pdf") input').check();
  await check(p, 'chon-tu-kho');
  await Promise.all([p.waitForNavigation(), p.click('#tp-don button:has-text("Đính kèm giấy tờ đã chọn")')]);
  must((await p.locator('#tp-don li:has-text("don.pdf")').count()) === 1, 'the paper from the wallet is attached');

  // A level-4 fee due with the dossier (R7.2b): reception cannot accept it yet; the citizen pays
  // through the sandbox gateway on a phone; the IPN marks it paid once; reception then accepts.
  await desk.goto(`${BASE}/can-bo/ho-so/${PAYER.dossier}`);
  must((await desk.locator('input[name="action"][value="accept"]').count()) === 0, 'acceptance waits for the fee');
  const payer = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
  await login(payer, PAYER.login, PAYER.pw);
  await payer.goto(`${BASE}/ho-so/${PAYER.dossier}`);
  await expectText(payer, 'Chưa nộp', 'the level-4 fee is due');
  await check(payer, 'phi-muc-4');
  await Promise.all([payer.waitForNavigation(), payer.click('button:has-text("Thanh toán trực tuyến")')]);
  await Promise.all([payer.waitForNavigation(), payer.click('button[name="choice"][value="pay"]')]);
  await expectText(payer, 'Đã nhận thanh toán', 'the level-4 fee paid through the IPN');
  await payer.goto(`${BASE}/ho-so/${PAYER.dossier}`);
  await Promise.all([payer.waitForNavigation(), payer.click('a:has-text("Biên lai số")')]);
  await expectText(payer, 'BIÊN LAI THU PHÍ, LỆ PHÍ', 'the level-4 receipt');
  await check(payer, 'bien-lai-muc-4');
  await desk.goto(`${BASE}/can-bo/ho-so/${PAYER.dossier}`);
  await staffStep(desk, 'accept');
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`browser flow passed: ${audited()} pages audited, screenshots in ${SHOTS}`);
