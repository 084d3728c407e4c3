// What every browser script of motcua shares: an axe-core audit and a screenshot of each page
// visited (no serious or critical violation, no sideways scrolling), plain assertions, and the
// staff log-in form.
import fs from 'node:fs';
import path from 'node:path';

/** The helpers, writing screenshots into SHOTS. */
export function kit(BASE, SHOTS) {
  let shot = 0;
  const problems = [];

  /** Audits the page with axe-core and takes a screenshot named after the step. */
  async function check(page, step) {
    shot += 1;
    const file = path.join(SHOTS, `${String(shot).padStart(2, '0')}-${step}.png`);
    await page.screenshot({ path: file, fullPage: true });
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
    });
    for (const v of result) {
      if (v.impact === 'serious' || v.impact === 'critical') {
        problems.push(`${step} (${page.url()}): ${v.id} [${v.impact}] ${v.help} at ${v.nodes.join(', ')}`);
      }
    }
    const width = page.viewportSize().width;
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    if (scroll > width + 1) problems.push(`${step}: page is ${scroll}px wide on a ${width}px screen`);
  }

  function must(cond, what) {
    if (!cond) throw new Error(`failed: ${what}`);
  }

  async function expectText(page, text, step) {
    const body = await page.textContent('body');
    must(body.includes(text), `${step}: the page shows «${text}» (${page.url()})`);
  }

  /** Fills a form field whatever its kind (text, select, radio). */
  async function set(page, name, value) {
    const el = page.locator(`[name="${name}"]`).first();
    const tag = await el.evaluate((e) => e.tagName.toLowerCase() + ':' + (e.getAttribute('type') || ''));
    if (tag.startsWith('select')) await el.selectOption(value);
    else if (tag.endsWith(':radio') || tag.endsWith(':checkbox')) await page.check(`[name="${name}"][value="${value}"]`);
    else await el.fill(value);
  }

  async function login(page, who, pw) {
    await page.goto(`${BASE}/dang-nhap`);
    await page.fill('[name="login"]', who);
    await page.fill('[name="password"]', pw);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/dang-nhap"] button[type="submit"]')]);
  }

  return { check, must, expectText, set, login, problems, audited: () => shot };
}

const axeSource = fs.readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
