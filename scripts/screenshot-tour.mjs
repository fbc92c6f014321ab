// docs/tour.png, the README's lead picture: the guided tour (dist/tour.html, built by scripts/build-web.sh) at
// 1280×1000, scrolled to section 2 (growing weights, sparsifying attention on the log scale) with its live figure run for 1,500 steps.
//   node scripts/screenshot-tour.mjs [--out docs/tour.png]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';
import { launch } from '../tests/web/helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : join(root, 'docs', 'tour.png');

const { server, url } = await serve(join(root, 'dist'), 0);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${url}tour.html`);
  await page.locator('#sparsify-h').evaluate((h) => h.scrollIntoView({ block: 'start' }));
  const frame = await (await page.waitForSelector('#fig-sparsify iframe', { timeout: 60000 })).contentFrame();
  await frame.waitForFunction(() => Number(document.querySelector('#metrics')?.dataset.step ?? 0) >= 1500, null, { timeout: 60000 });
  await page.locator('#sparsify-h').evaluate((h) => window.scrollBy(0, h.getBoundingClientRect().top - 10));
  await page.waitForTimeout(500);
  await page.screenshot({ path: out });
  console.log(`screenshot-tour: ${out}`);
} finally {
  await browser.close();
  server.close();
}
