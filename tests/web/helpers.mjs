// Shared pieces of the page suites: Debian's Chromium through playwright-core, the built dist/ served
// with the page's CSP, and small waits on the page's published state (data-step attributes).
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { serve } from '../../scripts/serve.mjs';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** The flags every page suite (and bench/page_bench.mjs) launches Chromium with. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Launches headless Debian Chromium (never a downloaded browser). */
export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Serves dist/ and launches Chromium for a test file: `origin` and `browser` are set once before() ran. */
export function servedPage() {
  const env = { origin: '', browser: null, server: null };
  before(async () => {
    ({ server: env.server, url: env.origin } = await serve(`${root}/dist`, 0));
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    env.server?.close();
  });
  return env;
}

/** Collects console errors and warnings and page errors of a page. */
export function watch(page) {
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text().slice(0, 300)}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

/** The step of the latest snapshot the page (or frame) shows in its metrics line. */
export async function metricsStep(page) {
  return Number((await page.getAttribute('#metrics', 'data-step')) ?? -1);
}

/** Waits until the shown step satisfies predicate. */
export async function waitForMetricsStep(page, predicate, timeout = 30000) {
  const t0 = Date.now();
  for (;;) {
    const s = await metricsStep(page);
    if (predicate(s)) return s;
    if (Date.now() - t0 > timeout) throw new Error(`step ${s} did not reach the expected value within ${timeout} ms`);
    await page.waitForTimeout(40);
  }
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
