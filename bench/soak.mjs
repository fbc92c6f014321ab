// A long session of the page: does it stay flat? The built page (dist/) in headless Debian Chromium at
// 'max' speed in compare mode (run B on KQ beside run A on W) with a 20-seed ensemble, for `--minutes`
// (default 30). The ensemble (20 × 2,000 steps) is done within seconds; with `--renew S` the horizon
// control alternates between 100,000 and 99,999 every S seconds, so that a new ensemble of 20 × 100,000
// steps (tens of seconds) starts each time, the old one dropped. Every `--every` seconds (default 10) it samples, after a full garbage collection in each
// (CDP HeapProfiler.collectGarbage; --no-gc skips it):
//   page heap     the page's JS heap in use (CDP Runtime.getHeapUsage on the page target);
//   worker heap   each engine worker's JS heap in use (the same, on each worker target);
//   wasm          each worker's wasm memory (heapBytes) and what its allocator has handed out
//                 (allocatedBytes), from the worker's debug hook self.attnsvmDebug.heapStats();
//   DOM nodes     the page's element count;
//   fps           animation frames per second over the interval (an init script counts them);
//   steps/s       run A's and run B's shown steps over the interval.
// Prints a row per sample, then each quantity's drift: its last value and its largest value against its
// value at minute 1 (the target: within 10 %), and the fps's lowest interval.
//
//   node bench/soak.mjs [--minutes M] [--every S] [--renew S] [--no-gc] [--query Q] [--json FILE]
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';
import { CHROMIUM_ARGS } from '../tests/web/helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const minutes = Number(option('--minutes', '30'));
const every = Number(option('--every', '10'));
const gc = !args.includes('--no-gc');
const query = option('--query', '?speed=max&cmp=1&b_param=KQ&seeds=20');
const jsonFile = option('--json', '');
const renew = Number(option('--renew', '0'));
if (!(minutes > 0) || !(every > 0)) throw new Error('--minutes and --every must be positive');

/** Installed before the page's scripts: counts animation frames. */
function countFrames() {
  window.__frames = 0;
  const frame = () => {
    window.__frames++;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** The DevTools protocol on every target of the browser (page and workers), through one browser session. */
async function devtools(browser) {
  const session = await browser.newBrowserCDPSession();
  let next = 1;
  const waiting = new Map();
  session.on('Target.receivedMessageFromTarget', ({ message }) => {
    const m = JSON.parse(message);
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error) w.reject(new Error(`${m.error.message} (${w.method})`));
    else w.resolve(m.result);
  });
  const attached = new Map(); // targetId → sessionId
  return {
    /** The page and worker targets now: [{type, targetId, url}]. */
    async targets() {
      const { targetInfos } = await session.send('Target.getTargets');
      return targetInfos.filter((t) => t.type === 'page' || t.type === 'worker');
    },
    /** Calls a protocol method on one target. */
    async call(targetId, method, params = {}) {
      if (!attached.has(targetId)) {
        const { sessionId } = await session.send('Target.attachToTarget', { targetId, flatten: false });
        attached.set(targetId, sessionId);
      }
      const id = next++;
      const result = new Promise((resolve, reject) => waiting.set(id, { resolve, reject, method }));
      await session.send('Target.sendMessageToTarget', {
        sessionId: attached.get(targetId),
        message: JSON.stringify({ id, method, params }),
      });
      return result;
    },
  };
}

const { server, url: origin } = await serve(join(root, 'dist'), 0);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const samples = [];
const load = loadavg();
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript(countFrames);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(origin + query);
  await page.waitForSelector('.metrics-b[data-step]', { timeout: 60000 });
  const cdp = await devtools(browser);
  const state = () =>
    page.evaluate(() => ({
      now: performance.now(),
      frames: window.__frames,
      stepA: Number(document.getElementById('status').dataset.step ?? 0),
      stepB: Number(document.querySelector('.metrics-b')?.dataset.step ?? 0),
      nodes: document.getElementsByTagName('*').length,
      playing: document.getElementById('play').textContent.includes('pause'),
      ensemble: document.querySelector('.ensemble-note')?.dataset.finished === 'true',
      ensembleDone: Number(document.querySelector('.ensemble-note')?.dataset.done ?? 0),
    }));
  const started = Date.now();
  let before = await state();
  console.log(
    `soak: ${origin}${query} for ${minutes} min, a sample every ${every} s${gc ? ' after a full GC' : ''}` +
      `${renew > 0 ? `, a new ensemble every ${renew} s` : ''}; load average ${load.map((x) => x.toFixed(2)).join(' ')}`,
  );
  console.log(
    `${'min'.padStart(6)}${'page heap MB'.padStart(14)}${'worker heaps MB'.padStart(18)}${'wasm heaps MB'.padStart(16)}${'wasm in use MB'.padStart(17)}` +
      `${'DOM'.padStart(7)}${'fps'.padStart(7)}${'steps/s A'.padStart(12)}${'steps/s B'.padStart(12)}${'ensemble'.padStart(10)}`,
  );
  let renewed = 0;
  while (Date.now() - started < minutes * 60000) {
    await page.waitForTimeout(Math.max(0, every * 1000 - ((Date.now() - started) % (every * 1000))));
    if (renew > 0 && Date.now() - started >= (renewed + 1) * renew * 1000) {
      // a new ensemble: the horizon control changed (and the old ensemble dropped)
      renewed++;
      await page.fill('#ctl-horizon', String(renewed % 2 ? 100000 : 99999));
      await page.dispatchEvent('#ctl-horizon', 'change');
    }
    const after = await state();
    const targets = await cdp.targets();
    const heaps = { page: [], worker: [] };
    const wasm = [];
    for (const t of targets) {
      if (gc) await cdp.call(t.targetId, 'HeapProfiler.collectGarbage').catch(() => {});
      const usage = await cdp.call(t.targetId, 'Runtime.getHeapUsage').catch(() => null);
      if (usage) heaps[t.type].push(usage.usedSize);
      if (t.type === 'worker') {
        const stats = await cdp
          .call(t.targetId, 'Runtime.evaluate', { expression: 'self.attnsvmDebug?.heapStats() ?? null', returnByValue: true })
          .catch(() => null);
        if (stats?.result?.value) wasm.push(stats.result.value);
      }
    }
    const seconds = (after.now - before.now) / 1000;
    const sample = {
      minute: (Date.now() - started) / 60000,
      pageHeap: heaps.page.reduce((a, b) => a + b, 0),
      workerHeaps: heaps.worker,
      wasmHeaps: wasm.map((w) => w.heapBytes),
      wasmAllocated: wasm.map((w) => w.allocatedBytes),
      nodes: after.nodes,
      fps: (after.frames - before.frames) / seconds,
      stepsA: (after.stepA - before.stepA) / seconds,
      stepsB: (after.stepB - before.stepB) / seconds,
      playing: after.playing,
      ensembleFinished: after.ensemble,
      ensembleMembers: after.ensembleDone,
    };
    samples.push(sample);
    before = after;
    const mb = (x) => (x / 1e6).toFixed(1);
    console.log(
      `${sample.minute.toFixed(1).padStart(6)}${mb(sample.pageHeap).padStart(14)}${sample.workerHeaps.map(mb).join(' / ').padStart(18)}` +
        `${sample.wasmHeaps.map(mb).join(' / ').padStart(16)}${sample.wasmAllocated.map(mb).join(' / ').padStart(17)}` +
        `${String(sample.nodes).padStart(7)}${sample.fps.toFixed(1).padStart(7)}${Math.round(sample.stepsA).toLocaleString('en').padStart(12)}` +
        `${Math.round(sample.stepsB).toLocaleString('en').padStart(12)}${String(sample.ensembleFinished ? 'done' : sample.ensembleMembers).padStart(10)}` +
        `${sample.playing ? '' : '  (not playing)'}`,
    );
  }
  if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
  await context.close();
} finally {
  await browser.close();
  server.close();
}

// drift against minute 1: the first sample at or after 1 minute
const reference = samples.find((s) => s.minute >= 1) ?? samples[0];
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const series = {
  'page JS heap': (s) => s.pageHeap,
  'worker JS heaps': (s) => sum(s.workerHeaps),
  'wasm heaps': (s) => sum(s.wasmHeaps),
  'wasm in use': (s) => sum(s.wasmAllocated),
  'DOM nodes': (s) => s.nodes,
};
const after = samples.filter((s) => s.minute >= reference.minute);
console.log(
  `\ndrift from minute ${reference.minute.toFixed(1)} to minute ${samples[samples.length - 1].minute.toFixed(1)} (target: within ±10 %):`,
);
for (const [name, f] of Object.entries(series)) {
  const ref = f(reference);
  const last = f(after[after.length - 1]);
  const top = Math.max(...after.map(f));
  const pct = (x) => `${x >= ref ? '+' : ''}${(((x - ref) / ref) * 100).toFixed(1)} %`;
  console.log(`  ${name.padEnd(18)} ${String(ref).padStart(12)} → last ${pct(last).padStart(9)}, largest ${pct(top).padStart(9)}`);
}
const fps = after.map((s) => s.fps);
console.log(
  `  fps                 minute ${reference.minute.toFixed(1)}: ${reference.fps.toFixed(1)}; median ${[...fps].sort((a, b) => a - b)[fps.length >> 1].toFixed(1)}, lowest ${Math.min(...fps).toFixed(1)}`,
);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ query, minutes, every, gc, load, samples }, null, 1));
