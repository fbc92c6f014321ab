// Training-step throughput of the wasm module in headless Debian Chromium: the engine the page
// ships (dist/wasm/) in a dedicated module Worker, the page idle, with the configs and timing loop of
// bench/wasm_bench.mjs and bench/train_bench.cpp (bench/throughput.mjs). Beside it, when asked: the same
// measurement under Node in this process (--node) and the native core from train_bench's JSON (--native).
// Every config is measured `--repeats` times, interleaved; prints the median and the spread (min–max).
// --engine split (default: the page's engine, in parts, wasm/parts.mjs), whole (attnsvm.wasm) or both
// (in turn per config, with their ratio per round: what the split costs).
//
//   node bench/browser_bench.mjs [--seconds S] [--repeats R] [--engine split|whole|both] [--node] [--native train_bench.json]
// Needs dist/ (scripts/build-web.sh). The repo root is served (loopback) so the Worker can import
// bench/throughput.mjs beside /dist/wasm/index.mjs; the document is a blank page of that origin.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';
import { CHROMIUM_ARGS } from '../tests/web/helpers.mjs';
import { MODELS, SIZES, stepsPerSecond } from './throughput.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const seconds = Number(option('--seconds', '1'));
const repeats = Number(option('--repeats', '3'));
const nativeFile = option('--native', '');
const withNode = args.includes('--node');
const engineChoice = option('--engine', 'split');
const engines = engineChoice === 'both' ? ['split', 'whole'] : [engineChoice];
if (!engines.every((e) => e === 'split' || e === 'whole')) throw new Error('--engine: split, whole or both');

const key = (size, model) => `${size}/${model}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => (xs ? `${Math.round(median(xs))} (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})` : '-');

/** steps/s per config (arrays of `repeats` values) from the Worker in Chromium. */
async function inChromium() {
  const { server, url: origin } = await serve(root, 0);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.route(`${origin}blank.html`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>worker bench</title>' }),
    );
    await page.goto(`${origin}blank.html`);
    const rows = await page.evaluate(
      ({ workerUrl, engineUrl, seconds, repeats, engines }) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(workerUrl, { type: 'module' });
          const rows = [];
          worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
          worker.onmessage = ({ data }) => {
            if (data.type === 'result') rows.push(data);
            else if (data.type === 'done') resolve(rows);
            else reject(new Error(`worker: ${data.message}`));
          };
          worker.postMessage({ engineUrl, seconds, repeats, engines });
        }),
      { workerUrl: `${origin}bench/browser_worker.mjs`, engineUrl: `${origin}dist/wasm/index.mjs`, seconds, repeats, engines },
    );
    const out = {};
    for (const r of rows) ((out[r.engine] ??= {})[key(r.size, r.model)] ??= []).push(r.stepsPerSecond);
    return out;
  } finally {
    await browser.close();
    server.close();
  }
}

/** The same under Node, from build/wasm (the module dist/wasm/ copies). */
async function inNode() {
  const { loadEngine } = await import(join(root, 'build', 'wasm', 'index.mjs'));
  const engine = await loadEngine();
  const out = {};
  for (let r = 0; r < repeats; ++r)
    for (const size of SIZES)
      for (const model of MODELS) (out[key(size.name, model.name)] ??= []).push(stepsPerSecond(engine, size, model, seconds));
  return out;
}

const load = loadavg();
const byEngine = await inChromium();
const chromiumRates = byEngine[engines[0]];
const nodeRates = withNode ? await inNode() : null;
const native = {};
if (nativeFile) {
  // train_bench --json: {"results": [{"size", "model", "steps_per_s_wall", ...}]} (see train_bench.cpp)
  for (const r of JSON.parse(readFileSync(nativeFile, 'utf8')).results ?? []) native[key(r.size, r.model)] = r.steps_per_s_wall;
}

console.log(
  `wasm in a Worker in headless Chromium, page idle (wall steps/s, no recording; ${repeats}× ${seconds} s, median (min–max)); ` +
    `load average ${load.map((x) => x.toFixed(2)).join(' ')} → ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
);
const other = engines[1];
console.log(
  `${'size'.padEnd(5)}${'model'.padEnd(11)}${`Chromium worker (${engines[0]})`.padStart(30)}` +
    `${other ? `${other}`.padStart(26) + `${engines[0]}/${other}`.padStart(24) : ''}` +
    `${withNode ? 'Node'.padStart(26) : ''}${nativeFile ? 'native'.padStart(12) + 'native/Chromium'.padStart(17) : ''}`,
);
for (const size of SIZES)
  for (const model of MODELS) {
    const k = key(size.name, model.name);
    const ours = chromiumRates[k];
    let line = `${size.name.padEnd(5)}${model.name.padEnd(11)}${spread(ours).padStart(30)}`;
    if (other) {
      const theirs = byEngine[other][k];
      const ratios = ours.map((x, r) => x / theirs[r]);
      line += `${spread(theirs).padStart(26)}${`${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`.padStart(24)}`;
    }
    if (withNode) line += spread(nodeRates[k]).padStart(26);
    if (nativeFile)
      line += `${String(native[k] ? Math.round(native[k]) : '-').padStart(12)}${(native[k] ? (native[k] / median(ours)).toFixed(2) + '×' : '-').padStart(17)}`;
    console.log(line);
  }
