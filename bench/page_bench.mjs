// Page metrics in headless Debian Chromium through playwright-core, on the built dist/
// served locally with the page's CSP (scripts/serve.mjs):
//   first heatmap  ms from navigation start to the performance mark the heatmap view sets when it
//                  first draws a snapshot (web/src/views/heatmap.ts, FIRST_HEATMAP_MARK);
//   fps            requestAnimationFrame callbacks per second over the measuring window, counted by
//                  an init script (the page's own status line shows the same count);
//   steps/s        engine iterations per second while the page renders: the shown snapshot's step
//                  (#status data-step) at the window's end minus its start, over the window;
//   long task      the longest main-thread task of the window from a PerformanceObserver('longtask')
//                  installed by an init script (it reports tasks >= 50 ms only: 0 = none), and the
//                  longest gap between two animation frames;
//   shipped        every dist/ file the page loaded (worker and wasm included), gzip -9, without
//                  dist/data/ (scripts/shipped.mjs).
// Each speed (the URL's speed field: max, and the default; and paused, for the frame pacing alone) is measured `--repeats` times in a fresh
// browser context; prints the median and the spread (min–max) and the load average.
//
// Then the first view on a slow link (`--throttle-repeats` fresh contexts each, 0 skips it): dist/ served
// gzipped as common static hosts serve it (scripts/serve.mjs --gzip), Chromium's network emulation
// (CDP Network.emulateNetworkConditions: 1.6 Mbit/s = 200,000 bytes/s down, 750 kbit/s up, 150 ms
// latency per request; the page's workers are throttled with it), an empty cache, for the playground
// (index.html) and an embed of one heatmap and one chart (embed.html?views=heatmap,corr, whose redirect
// to index.html?embed=1 is part of the time):
//   first heatmap  ms from the navigation request to the first heatmap drawn (wall clock: the embed's
//                  document is the second navigation);
//   references     ms until the SVM references are shown (the run bar's corr_ columns have numbers);
//   first view     bytes over the wire (gzipped bodies, worker requests included) before the first
//                  heatmap, and until the network is idle after the references (everything a first view
//                  loads; dist/data/ is not part of a default view).
//
//   node bench/page_bench.mjs [--seconds S] [--repeats R] [--uncapped] [--throttle-repeats R] [--throttle-only]
//                             [--speeds max,default,paused] [--dist DIR] [--json FILE]
// --dist measures another build of the page (e.g. an older commit's dist/, for an A/B); --speeds picks speeds.
// --uncapped launches Chromium with --disable-gpu-vsync --disable-frame-rate-limit (rAF not tied to a
// 60 Hz begin-frame source); by default headless Chromium paces frames at 60 Hz like a display.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';
import { recordResponses, shippedBytes, SHIPPED_BUDGET_BYTES } from '../scripts/shipped.mjs';
import { CHROMIUM_ARGS } from '../tests/web/helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const seconds = Number(option('--seconds', '5'));
const repeats = Number(option('--repeats', '3'));
const jsonFile = option('--json', '');
const uncapped = args.includes('--uncapped');
const throttleRepeats = Number(option('--throttle-repeats', '3'));
const throttleOnly = args.includes('--throttle-only');
const dist = option('--dist', join(root, 'dist'));
const speedNames = option('--speeds', 'max,default,paused').split(',');
/** The slow link of the first-view measurement (Chromium's units: bytes per second, ms of latency). */
export const SLOW_LINK = { offline: false, downloadThroughput: 200_000, uploadThroughput: 93_750, latency: 150 };
const FIRST_VIEWS = [
  { name: 'playground', path: '' },
  { name: 'embed heatmap+corr', path: 'embed.html?views=heatmap,corr' },
];
const FIRST_HEATMAP_MARK = 'attnsvm:first-heatmap';
const SPEEDS = [
  { name: 'max', query: '?speed=max', training: true },
  { name: 'default (20/frame)', query: '', training: true },
  // the frame pacing itself: the page loaded but paused, nothing to draw
  { name: 'paused', query: '?autoplay=0', training: false },
].filter((speed) => speedNames.includes(speed.name.split(' ')[0]));

/** Installed before the page's scripts: long tasks and animation-frame times, kept on window.__bench. */
function instrument() {
  const bench = { longTasks: [], frames: [] };
  window.__bench = bench;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  const frame = (t) => {
    bench.frames.push(t);
    if (bench.frames.length > 4000) bench.frames.splice(0, 2000);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** One measuring window of `ms` in the page: frames, steps, long tasks. */
function measureWindow(ms) {
  const stepOf = () => Number(document.getElementById('status').dataset.step ?? -1);
  return new Promise((resolve) => {
    const t0 = performance.now();
    const step0 = stepOf();
    setTimeout(() => {
      const t1 = performance.now();
      const step1 = stepOf();
      const frames = window.__bench.frames.filter((t) => t >= t0 && t <= t1);
      let gap = 0;
      for (let k = 1; k < frames.length; ++k) gap = Math.max(gap, frames[k] - frames[k - 1]);
      const tasks = window.__bench.longTasks.filter((e) => e.start + e.duration >= t0 && e.start <= t1);
      resolve({
        fps: frames.length > 1 ? ((frames.length - 1) * 1000) / (frames[frames.length - 1] - frames[0]) : 0,
        stepsPerSecond: ((step1 - step0) * 1000) / (t1 - t0),
        longestTask: tasks.reduce((m, e) => Math.max(m, e.duration), 0),
        longTasks: tasks.length,
        longestFrameGap: gap,
        playing: document.getElementById('play').textContent.includes('pause'),
      });
    }, ms);
  });
}

/** One run of the page at a speed: load, first heatmap, warm up, measure. */
async function run(browser, origin, speed) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const responses = recordResponses(context, origin);
  await context.addInitScript(instrument);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(origin + speed.query);
  await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, FIRST_HEATMAP_MARK, { timeout: 30000 });
  const firstHeatmap = await page.evaluate((mark) => performance.getEntriesByName(mark)[0].startTime, FIRST_HEATMAP_MARK);
  await page.waitForTimeout(1500); // past the start-up work (KaTeX, first layouts) into steady training
  const window_ = await page.evaluate(measureWindow, seconds * 1000);
  const shipped = shippedBytes(dist, responses.paths());
  await context.close();
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  if (window_.playing !== speed.training)
    throw new Error(`the page was ${window_.playing ? '' : 'not '}training during the window (${speed.name})`);
  return { firstHeatmap, ...window_, shipped };
}

/** Installed before the page's scripts: when the run bar first shows the SVM references' corr_ values. */
function watchReferences() {
  const check = () => {
    const text = document.getElementById('metrics')?.textContent ?? '';
    if (text.includes('corr_') && !text.includes('solving')) window.__referencesAt = performance.timeOrigin + performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

/** One cold load of a first view on the slow link, gzip served: times from the navigation request, bytes over the wire. */
async function firstView(browser, origin, view) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript(watchReferences);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_LINK);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const loads = []; // page and worker requests alike
  const pending = [];
  context.on('requestfinished', (request) =>
    pending.push(
      Promise.all([request.sizes(), request.response()]).then(([sizes, response]) => {
        const timing = request.timing();
        // a worker's script is fetched by the browser, which reports no body size: its Content-Length then
        const body = sizes.responseBodySize || Number(response?.headers()['content-length'] ?? 0);
        loads.push({
          path: decodeURIComponent(new URL(request.url()).pathname),
          start: timing.startTime,
          end: timing.startTime + timing.responseEnd,
          body,
        });
      }),
    ),
  );
  const t0 = Date.now();
  await page.goto(origin + view.path);
  await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, FIRST_HEATMAP_MARK, { timeout: 60000 });
  const firstHeatmap =
    (await page.evaluate((mark) => performance.timeOrigin + performance.getEntriesByName(mark)[0].startTime, FIRST_HEATMAP_MARK)) - t0;
  await page.waitForFunction(() => window.__referencesAt !== undefined, null, { timeout: 60000 });
  const references = (await page.evaluate(() => window.__referencesAt)) - t0;
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1000);
  await Promise.all(pending);
  await context.close();
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  const before = loads.filter((l) => l.end - t0 <= firstHeatmap);
  const sum = (ls) => ls.reduce((s, l) => s + l.body, 0);
  return {
    firstHeatmap,
    references,
    bytesBefore: sum(before),
    bytesFirstView: sum(loads),
    requests: loads.length,
    loads: loads.map((l) => ({ ...l, start: l.start - t0, end: l.end - t0 })),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs, digits = 0) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

const { server, url: origin } = await serve(dist, 0);
const { server: gzipServer, url: gzipOrigin } = await serve(dist, 0, { gzip: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [...CHROMIUM_ARGS, ...(uncapped ? ['--disable-gpu-vsync', '--disable-frame-rate-limit'] : [])],
});
const load = loadavg();
const results = {};
const slow = {};
try {
  if (!throttleOnly)
    for (let r = 0; r < repeats; ++r) for (const speed of SPEEDS) (results[speed.name] ??= []).push(await run(browser, origin, speed));
  for (let r = 0; r < throttleRepeats; ++r)
    for (const view of FIRST_VIEWS) (slow[view.name] ??= []).push(await firstView(browser, gzipOrigin, view));
} finally {
  await browser.close();
  server.close();
  gzipServer.close();
}
const loadAfter = loadavg();

if (!throttleOnly) report();
if (throttleRepeats > 0) reportSlow();
if (jsonFile)
  writeFileSync(jsonFile, JSON.stringify({ uncapped, seconds, repeats, load, loadAfter, results, slow, slowLink: SLOW_LINK }, null, 1));

function report() {
  console.log(
    `page in headless Chromium (${uncapped ? 'rAF uncapped: --disable-gpu-vsync --disable-frame-rate-limit' : 'default frame pacing'}), ` +
      `${repeats}× ${seconds} s windows, median (min–max); load average ${load.map((x) => x.toFixed(2)).join(' ')} → ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`,
  );
  console.log(
    `${'speed'.padEnd(20)}${'first heatmap ms'.padStart(20)}${'fps'.padStart(16)}${'steps/s'.padStart(26)}${'longest task ms'.padStart(18)}${'max frame gap ms'.padStart(20)}`,
  );
  for (const speed of SPEEDS) {
    const rs = results[speed.name];
    const col = (key, width, digits = 0) =>
      spread(
        rs.map((x) => x[key]),
        digits,
      ).padStart(width);
    console.log(
      `${speed.name.padEnd(20)}${col('firstHeatmap', 20)}${col('fps', 16, 1)}${col('stepsPerSecond', 26)}${col('longestTask', 18)}${col('longestFrameGap', 20)}`,
    );
  }
  const shipped = results[SPEEDS[0].name][0].shipped;
  console.log(
    `shipped (gzip -9, without dist/data/): ${(shipped.gzipped / 1000).toFixed(1)} KB of ${(shipped.raw / 1000).toFixed(1)} KB raw, ` +
      `${shipped.rows.length} files (budget ${SHIPPED_BUDGET_BYTES / 1000} KB)`,
  );
  for (const row of shipped.rows) console.log(`  ${row.path.padEnd(48)}${(row.gzipped / 1000).toFixed(1).padStart(8)} KB`);
}

function reportSlow() {
  const link = `${(SLOW_LINK.downloadThroughput * 8) / 1e6} Mbit/s down, ${SLOW_LINK.latency} ms latency`;
  console.log(
    `\nfirst view on a slow link (${link}; gzip-serving static server, empty cache), ${throttleRepeats} loads, median (min–max); ` +
      `load average ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`,
  );
  console.log(
    `${'view'.padEnd(22)}${'first heatmap ms'.padStart(22)}${'references ms'.padStart(22)}${'KB before heatmap'.padStart(24)}${'KB first view'.padStart(24)}${'requests'.padStart(12)}`,
  );
  for (const view of FIRST_VIEWS) {
    const rs = slow[view.name];
    const col = (f, width, digits = 0) => spread(rs.map(f), digits).padStart(width);
    console.log(
      `${view.name.padEnd(22)}${col((r) => r.firstHeatmap, 22)}${col((r) => r.references, 22)}${col((r) => r.bytesBefore / 1000, 24, 1)}` +
        `${col((r) => r.bytesFirstView / 1000, 24, 1)}${col((r) => r.requests, 12)}`,
    );
  }
  // where the time goes: the requests of the median load of each view (start → end, ms from navigation)
  for (const view of FIRST_VIEWS) {
    const rs = [...slow[view.name]].sort((a, b) => a.firstHeatmap - b.firstHeatmap);
    const r = rs[Math.floor(rs.length / 2)];
    console.log(`  ${view.name} (first heatmap at ${r.firstHeatmap.toFixed(0)} ms):`);
    for (const l of [...r.loads].sort((a, b) => a.start - b.start))
      console.log(
        `    ${l.path.padEnd(44)}${(l.body / 1000).toFixed(1).padStart(8)} KB  ${l.start.toFixed(0).padStart(6)} → ${l.end.toFixed(0).padStart(6)} ms`,
      );
  }
}
