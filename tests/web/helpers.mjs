// Shared pieces of the page suites: Debian's Chromium through playwright-core, the built dist/ served
// with the page's CSP, a watch on every page (console problems, CSP violations, every request) with
// assertClean(), and small waits on the page's published state (data-step attributes).
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { serve } from '../../scripts/serve.mjs';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** The flags every page suite (and bench/page_bench.mjs) launches Chromium with. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Launches headless Debian Chromium (never a downloaded browser). */
export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * Serves `dir` (default: the built page, dist/) and launches Chromium for a test file: `origin` and
 * `browser` are set once before() ran, or once `ready()` resolved (a file's own top-level before() must
 * await it: Node 20 starts top-level hooks without waiting for the earlier ones); after() closes both.
 */
export function servedPage(dir = `${root}/dist`) {
  let started;
  const env = {
    origin: '',
    browser: null,
    server: null,
    ready: () =>
      (started ??= (async () => {
        ({ server: env.server, url: env.origin } = await serve(dir, 0));
        env.browser = await launch();
      })()),
  };
  before(() => env.ready());
  after(async () => {
    await env.browser?.close();
    env.server?.close();
  });
  return env;
}

/** The tag of a CSP violation reported through the console (it survives navigations, unlike page state). */
const CSP_TAG = 'CSP violation:';
/** Per watched page: the CSP violations and the URL of every request it (its frames, its workers) made. */
const watched = new WeakMap();

/** Runs first in every document and frame: reports `securitypolicyviolation` events as tagged console errors. */
function reportViolations(tag) {
  document.addEventListener('securitypolicyviolation', (e) =>
    console.error(`${tag} ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`),
  );
}

/** In a worker (installed once it runs): keeps its violations for assertClean to collect. */
function keepWorkerViolations() {
  self.cspViolations = [];
  self.addEventListener('securitypolicyviolation', (e) =>
    self.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} (worker)`),
  );
}

/**
 * Watches a page before it navigates: collects console errors and warnings and page errors (returned),
 * and for assertClean() its CSP violations (documents, frames and workers) and every request.
 */
export async function watch(page) {
  const problems = [];
  const record = { violations: [], requests: [] };
  watched.set(page, record);
  page.on('console', (m) => {
    if (m.text().startsWith(CSP_TAG)) record.violations.push(m.text());
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text().slice(0, 300)}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => record.requests.push(r.url()));
  page.on('worker', (w) => void w.evaluate(keepWorkerViolations).catch(() => {}));
  await page.addInitScript(reportViolations, CSP_TAG);
  return problems;
}

/** The URLs a watched page (its frames, its workers) requested so far. */
export function requestedUrls(page) {
  return [...watched.get(page).requests];
}

/**
 * Asserts that a watched page had no CSP violation and requested nothing outside `origins` (default:
 * the page's own origin; data: and blob: URLs are the page's own).
 */
export async function assertClean(page, origins = [page.url()]) {
  const record = watched.get(page);
  assert.ok(record, 'assertClean needs a page opened with watch(page)');
  const fromWorkers = [];
  for (const w of page.workers()) fromWorkers.push(...((await w.evaluate(() => self.cspViolations ?? []).catch(() => [])) ?? []));
  assert.deepEqual([...record.violations, ...fromWorkers], [], 'CSP violations');
  const allowed = origins.map((o) => new URL(o).origin);
  const foreign = record.requests.filter((url) => !/^(data|blob):/.test(url) && !allowed.includes(new URL(url).origin));
  assert.deepEqual(foreign, [], "requests outside the page's origin");
  assert.ok(record.requests.length > 0, "the watch saw the page's requests");
}

/** The step of the latest snapshot the page (or frame) shows in its metrics line. */
export async function metricsStep(page) {
  return Number((await page.getAttribute('#metrics', 'data-step')) ?? -1);
}

/** Polls `what()` until `predicate` holds for its value and returns that value; throws after `timeout` ms. */
export async function waitForValue(page, what, predicate, timeout = 30000) {
  const t0 = Date.now();
  for (;;) {
    const value = await what();
    if (predicate(value)) return value;
    if (Date.now() - t0 > timeout) throw new Error(`${JSON.stringify(value)} did not become as expected within ${timeout} ms`);
    await page.waitForTimeout(40);
  }
}

/** Waits until the shown step satisfies predicate. */
export function waitForMetricsStep(page, predicate, timeout = 30000) {
  return waitForValue(page, () => metricsStep(page), predicate, timeout);
}

/** Whether the run plays (the play button shows pause). */
export async function isPlaying(page) {
  return (await page.textContent('#play')).includes('pause');
}

/** Clicks step ×100 and step until `count` more iterations ran; waits for them to show. */
export async function stepBy(page, count) {
  const start = await metricsStep(page);
  for (let k = 0; k < Math.floor(count / 100); ++k) await page.click('#step100');
  for (let k = 0; k < count % 100; ++k) await page.click('#step');
  await waitForMetricsStep(page, (s) => s === start + count);
  return start + count;
}

/**
 * Pixel statistics of every canvas matching the selector: non-blank pixels, tinted ones (not grey) and a
 * checksum of all pixels, with the canvas size; with `fill`, also `colours`: how many distinct opaque
 * colours cover at least `fill` pixels each.
 */
export function canvasStats(page, selector, { fill = 0 } = {}) {
  return page.evaluate(
    ([sel, fill]) => {
      return [...document.querySelectorAll(sel)].map((c) => {
        // read a copy: reading the page's own canvases repeatedly makes Chromium warn (willReadFrequently)
        const copy = document.createElement('canvas');
        copy.width = c.width;
        copy.height = c.height;
        const ctx = copy.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(c, 0, 0);
        const data = ctx.getImageData(0, 0, c.width, c.height).data;
        let nonBlank = 0;
        let tinted = 0;
        let sum = 0;
        const count = new Map();
        for (let k = 0; k < data.length; k += 4) {
          if (data[k + 3] > 0) {
            nonBlank++;
            if (Math.abs(data[k] - data[k + 1]) > 8 || Math.abs(data[k + 1] - data[k + 2]) > 8) tinted++;
          }
          if (fill > 0 && data[k + 3] === 255) {
            const rgb = (data[k] << 16) | (data[k + 1] << 8) | data[k + 2];
            count.set(rgb, (count.get(rgb) ?? 0) + 1);
          }
          sum = (sum * 31 + data[k] + 7 * data[k + 1] + 13 * data[k + 2] + data[k + 3]) % 1000000007;
        }
        const colours = fill > 0 ? [...count.values()].filter((n) => n >= fill).length : undefined;
        return { nonBlank, tinted, sum, colours, w: c.width, h: c.height };
      });
    },
    [selector, fill],
  );
}

/** Compiles pure page modules for the suites that test them under Node (scripts/page-modules.mjs). */
export { compilePageModules } from '../../scripts/page-modules.mjs';
