// Training-step throughput of the wasm module under Node (issue 8), beside the native core: the same
// configs as bench/train_bench.cpp (logistic loss, NGD, no recording), W / KQ / multihead H = 4 at the
// sizes S, M, L. Native numbers come from build/native/train_bench's JSON when given (--native FILE).
//
//   node bench/wasm_bench.mjs [--seconds S] [--native train_bench.json]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const seconds = Number(option('--seconds', '1'));
const nativeFile = option('--native', '');

const SIZES = [
  { name: 'S', n: 6, T: 8, d: 10 },
  { name: 'M', n: 64, T: 32, d: 32 },
  { name: 'L', n: 512, T: 64, d: 64 },
];
const MODELS = [
  { name: 'W', model: { param: 'W' } },
  { name: 'KQ', model: { param: 'KQ' } },
  { name: 'multihead', model: { param: 'multihead', heads: 4 } },
];

const { loadEngine } = await import(join(root, 'build', 'wasm', 'index.mjs'));
const engine = await loadEngine();

/** Steps per second of wall time over ≥ `seconds`, stepping in batches of ~10 ms. */
function rate(size, model) {
  const session = new engine.Session({
    data: { n: size.n, T: size.T, d: size.d },
    model: model.model,
    loss: 'logistic',
    optimizer: { kind: 'ngd', lr: 0.1 },
    svm: { norms: [] },
    run: { record_every: 1_000_000_000 },
  });
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    session.step(batch);
    if (performance.now() - t0 > 10) break;
    batch *= 2;
  }
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    session.step(batch);
    steps += batch;
  }
  const elapsed = (performance.now() - start) / 1000;
  session.delete();
  return steps / elapsed;
}

let native = {};
if (nativeFile) {
  // train_bench --json: {"results": [{"size", "model", "steps_per_s_wall", ...}]} (see train_bench.cpp)
  const json = JSON.parse(readFileSync(nativeFile, 'utf8'));
  for (const r of json.results ?? []) native[`${r.size}/${r.model}`] = r.steps_per_s_wall;
}

const pad = (s, n) => String(s).padStart(n);
console.log('wasm under Node (wall steps/s, no recording)' + (nativeFile ? ' vs native (wall)' : ''));
console.log(`${'size'.padEnd(5)}${'model'.padEnd(11)}${pad('wasm', 12)}${nativeFile ? pad('native', 12) + pad('native/wasm', 13) : ''}`);
for (const size of SIZES)
  for (const model of MODELS) {
    const ours = rate(size, model);
    const theirs = native[`${size.name}/${model.name}`];
    const extra = nativeFile ? pad(theirs ? Math.round(theirs) : '-', 12) + pad(theirs ? (theirs / ours).toFixed(2) + '×' : '-', 13) : '';
    console.log(`${size.name.padEnd(5)}${model.name.padEnd(11)}${pad(Math.round(ours), 12)}${extra}`);
  }
