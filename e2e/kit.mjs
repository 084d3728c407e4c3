// What every browser script of motcua shares: an axe-core audit and a screenshot of each page
// visited (no serious or critical violation, no sideways scrolling, on a phone under 100 KB at
// first load), plain assertions, and the staff log-in form.
import fs from 'node:fs';
import path from 'node:path';

/** The helpers, writing screenshots into SHOTS. */
export function kit(BASE, SHOTS) {
  let shot = 0;
  const problems = [];
  const weights = [];

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
    // What a first visit downloads, uncompressed: the HTML and every stylesheet, script, image
    // and font it uses (fetched again here, since a cached one leaves no timing entry).
    const weight = await page.evaluate(async () => {
      const nav = performance.getEntriesByType('navigation')[0];
      const urls = new Set();
      document.querySelectorAll('link[rel="stylesheet"][href], script[src], img[src], link[rel="icon"][href]')
        .forEach((e) => urls.add(e.href || e.src));
      performance.getEntriesByType('resource').forEach((r) => urls.add(r.name));
      let n = nav ? nav.decodedBodySize : document.documentElement.outerHTML.length;
      for (const u of urls) {
        if (!u.startsWith(location.origin)) continue;
        n += (await (await fetch(u)).arrayBuffer()).byteLength;
      }
      return n;
    });
    weights.push(`${step}\t${new URL(page.url()).pathname}\t${width}\t${weight}`);
    fs.writeFileSync(path.join(SHOTS, 'weights.tsv'), weights.join('\n') + '\n');
    if (width <= 400 && weight > 100 * 1024) problems.push(`${step}: ${Math.round(weight / 1024)} KB at first load on a phone (over 100 KB)`);
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
