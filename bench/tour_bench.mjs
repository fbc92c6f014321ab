// The guided tour's first view and its first figure, on the slow link of bench/page_bench.mjs (1.6 Mbit/s down,
// 150 ms per request; dist/ served gzipped by scripts/serve.mjs --gzip; an empty cache each load):
//   first text     first contentful paint of tour.html (the title and prose, typeset at build time)
//   first view     bytes over the wire (gzipped bodies) of the first screen, nothing scrolled, once the network is
//                  idle: the page, its script and stylesheet (no figure starts above the fold of a 1280×720 screen)
//   first figure   after scrolling to section 1: the time until its frame drew its first heatmap, and the bytes
//                  that figure loaded (the element's script, the embed page and the engine's first parts)
// Medians (min–max) of `--repeats` loads (default 3).
//   node bench/tour_bench.mjs [--repeats R]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';
import { CHROMIUM_ARGS } from '../tests/web/helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const repeats = Number(args.includes('--repeats') ? args[args.indexOf('--repeats') + 1] : '3');
const FIRST_HEATMAP_MARK = 'attnsvm:first-heatmap';
/** bench/page_bench.mjs's slow link (Chromium's units: bytes per second, ms of latency; importing it would run that bench). */
const SLOW_LINK = { offline: false, downloadThroughput: 200_000, uploadThroughput: 93_750, latency: 150 };

async function load(browser, origin) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_LINK);
  const loads = [];
  const pending = [];
  context.on('requestfinished', (request) =>
    pending.push(
      Promise.all([request.sizes(), request.response()]).then(([sizes, response]) => {
        loads.push({
          url: request.url(),
          at: Date.now(),
          body: sizes.responseBodySize || Number(response?.headers()['content-length'] ?? 0),
        });
      }),
    ),
  );
  const t0 = Date.now();
  await page.goto(`${origin}tour.html`);
  await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
  const firstText = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0].startTime);
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1000);
  await Promise.all(pending);
  const firstView = loads.reduce((s, l) => s + l.body, 0);
  const firstViewRequests = loads.length;
  const scrolled = Date.now();
  await page.locator('#fig-model').scrollIntoViewIfNeeded();
  const frame = await (await page.waitForSelector('#fig-model iframe', { timeout: 60000 })).contentFrame();
  await frame.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, FIRST_HEATMAP_MARK, { timeout: 60000 });
  const drawnAt = await frame.evaluate(
    (mark) => performance.timeOrigin + performance.getEntriesByName(mark)[0].startTime,
    FIRST_HEATMAP_MARK,
  );
  // the figure's engine parts: the rest part comes after the first heatmap; then a quiet second
  for (let quiet = 0; quiet < 1000;) {
    const n = loads.length;
    await page.waitForTimeout(250);
    quiet = loads.length === n ? quiet + 250 : 0;
  }
  await Promise.all(pending);
  await context.close();
  const figureBytes = loads.filter((l) => l.at >= scrolled).reduce((s, l) => s + l.body, 0);
  return { firstText, firstView, firstViewRequests, figure: drawnAt - scrolled, figureBytes, total: Date.now() - t0 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs, scale = 1, digits = 0) =>
  `${(median(xs) / scale).toFixed(digits)} (${(Math.min(...xs) / scale).toFixed(digits)}–${(Math.max(...xs) / scale).toFixed(digits)})`;

const { server, url } = await serve(join(root, 'dist'), 0, { gzip: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const runs = [];
for (let r = 0; r < repeats; ++r) runs.push(await load(browser, url));
await browser.close();
server.close();
const col = (k) => runs.map((r) => r[k]);
console.log(`the tour on a slow link (1.6 Mbit/s, 150 ms per request, gzip), 1280×720, ${repeats} loads, median (min–max):`);
console.log(`  first text (first contentful paint)   ${spread(col('firstText'))} ms`);
console.log(
  `  first view                            ${spread(col('firstView'), 1000, 1)} KB in ${median(col('firstViewRequests'))} requests`,
);
console.log(`  first figure: heatmap after scrolling ${spread(col('figure'))} ms`);
console.log(`  first figure: bytes it loaded         ${spread(col('figureBytes'), 1000, 1)} KB`);
