// Log-in with the national identity in a browser (R6.2), run by tests/it/browser.rs against
// e2e/oidc-provider.mjs (a real OpenID Connect provider on loopback): a citizen logs in through
// the provider, confirms the link with their existing account and sees their dossier; a log-in
// whose state, nonce or client was changed on the way, and a code used after it expired, are
// refused. Every motcua page visited is audited with axe-core and photographed into $SHOTS.
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { kit } from './kit.mjs';

const BASE = process.env.BASE;
const SHOTS = process.env.SHOTS;
const CITIZEN = process.env.CITIZEN; // the identity number of an account with a dossier
const DOSSIER = process.env.DOSSIER; // that dossier's code
const CODE_TTL = Number(process.env.CODE_TTL);
fs.mkdirSync(SHOTS, { recursive: true });
const { check, must, expectText, problems, audited } = kit(BASE, SHOTS);

/** The provider's log-in and consent pages, whichever come. */
async function atProvider(page, who) {
  for (let i = 0; i < 3 && !page.url().startsWith(BASE); i += 1) {
    if (await page.locator('input[name="login"]').count()) {
      await page.fill('input[name="login"]', who);
      await page.fill('input[name="password"]', 'bat-ky');
    }
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }
}

/** Where motcua sends the browser to log in, changed by `edit`; the browser then goes there. */
async function startEdited(ctx, page, edit) {
  const r = await ctx.request.get(`${BASE}/dang-nhap/vneid`, { maxRedirects: 0 });
  must(r.status() === 303, `the start redirects (${r.status()})`);
  const url = new URL(r.headers().location);
  edit(url.searchParams);
  await page.goto(url.toString());
}

async function refusedIn(step, edit, who = CITIZEN, waitAtCallback = 0) {
  const ctx = await browser.newContext({ locale: 'vi-VN' });
  const page = await ctx.newPage();
  if (waitAtCallback) {
    // The code reaches motcua only after it expired at the provider. A browser follows
    // redirects without asking the page's routes, so the provider is asked to post the code
    // back (form_post); the post is held, then sent on as the GET motcua takes, with motcua's
    // cookies (a cross-site post carries no Lax cookie).
    await ctx.route((url) => url.pathname === '/dang-nhap/vneid/ve', async (route) => {
      const req = route.request();
      if (req.method() !== 'POST') return route.continue();
      await new Promise((ok) => setTimeout(ok, waitAtCallback));
      const cookie = (await ctx.cookies(BASE)).map((c) => `${c.name}=${c.value}`).join('; ');
      return route.continue({ method: 'GET', url: `${BASE}/dang-nhap/vneid/ve?${req.postData()}`, headers: { cookie } });
    });
  }
  await startEdited(ctx, page, edit);
  await atProvider(page, who);
  await expectText(page, 'Không đăng nhập được', step);
  await check(page, step);
  const me = await ctx.request.get(`${BASE}/ho-so`, { maxRedirects: 0 });
  must(me.status() === 303, `${step}: nobody is signed in (${me.status()})`);
  await ctx.close();
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  // The citizen logs in through the provider and links their account.
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'vi-VN' });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/dang-nhap`);
  await check(page, 'dang-nhap');
  await Promise.all([page.waitForNavigation(), page.click('a:has-text("Đăng nhập bằng VNeID")')]);
  await atProvider(page, CITIZEN);
  await expectText(page, 'Liên kết tài khoản', 'the link is confirmed first');
  await expectText(page, 'Nguyễn Văn An', 'the account found by the identity number');
  await check(page, 'lien-ket');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Liên kết và đăng nhập")')]);
  must(page.url().startsWith(`${BASE}/ho-so`), `lands on the dossiers (${page.url()})`);
  await expectText(page, DOSSIER, 'sees their dossier');
  await check(page, 'ho-so');
  // Linked: the next log-in goes straight through.
  await ctx.clearCookies();
  await page.goto(`${BASE}/dang-nhap/vneid`);
  await atProvider(page, CITIZEN);
  must(page.url().startsWith(`${BASE}/ho-so`), `a linked identity signs in at once (${page.url()})`);
  await ctx.close();

  // A person without an account: one is opened from the provider's claims.
  const fresh = await browser.newContext({ locale: 'vi-VN' });
  const newcomer = await fresh.newPage();
  await newcomer.goto(`${BASE}/dang-nhap/vneid`);
  await atProvider(newcomer, '079090000001');
  must(newcomer.url().startsWith(`${BASE}/ho-so`), `a new account signs in (${newcomer.url()})`);
  await newcomer.goto(`${BASE}/tai-khoan`);
  await expectText(newcomer, 'Lê Thị Mai', 'the account carries the provider\'s name');
  await check(newcomer, 'tai-khoan-moi');
  await fresh.close();

  await refusedIn('state-khac', (q) => q.set('state', 'trang-thai-gia-mao'));
  await refusedIn('nonce-khac', (q) => q.set('nonce', 'nonce-cua-lan-khac'));
  await refusedIn('client-khac', (q) => q.set('client_id', 'khac'));
  await refusedIn('ma-het-han', (q) => q.set('response_mode', 'form_post'), CITIZEN, (CODE_TTL + 2) * 1000);

  must(problems.length === 0, `accessibility and layout:\n${problems.join('\n')}`);
  console.log(`vneid: ${audited()} pages audited; a link, a new account, four refusals`);
} finally {
  await browser.close();
}
