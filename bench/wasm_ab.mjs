// A/B of two (or more) builds of the wasm engine under Node, interleaved: for each cell (size and model of
// bench/throughput.mjs) every round times each build once, in turn, and the ratio to the first build is
// taken within the round (median and min–max over the rounds), so the shared machine's slow minutes cancel.
// Also times, per build, the SVM references of the page's default run (Frobenius and nuclear at the
// papers' size) and a fresh session's first snapshot (what the page waits for before its first heatmap).
//
//   node bench/wasm_ab.mjs DIR_A DIR_B [DIR_C …] [--cells S:W,M:W,M:KQ,L:W] [--rounds 5] [--seconds 1]
// Each DIR holds index.mjs, attnsvm.mjs and attnsvm.wasm (a copy of build/wasm/ of one build); split:DIR
// loads that build's engine in parts (parts.mjs and attnsvm.{start,view,rest}.wasm, every part provided up
// front), as the page's worker does.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { DEFAULT_RUN } from '../scripts/split-wasm.mjs';
import { MODELS, SIZES, benchSession, calibratedBatch } from './throughput.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const dirs = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
if (dirs.length < 2) {
  console.error('usage: node bench/wasm_ab.mjs DIR_A DIR_B [DIR_C …] [--cells S:W,M:KQ] [--rounds R] [--seconds S]');
  process.exit(2);
}
const rounds = Number(option('--rounds', '5'));
const seconds = Number(option('--seconds', '1'));
const cells = option('--cells', 'S:W,M:W,M:KQ,L:W')
  .split(',')
  .map((c) => {
    const [s, m] = c.split(':');
    return { size: SIZES.find((x) => x.name === s), model: MODELS.find((x) => x.name === m), name: c };
  });

/** The engine of a build directory, whole or (split:DIR) on its parts. */
async function engineOf(spec) {
  const split = spec.startsWith('split:');
  const dir = resolve(split ? spec.slice(6) : spec);
  const { loadEngine } = await import(pathToFileURL(join(dir, 'index.mjs')).href);
  if (!split) return loadEngine();
  const { EngineParts, PARTS, partFile } = await import(pathToFileURL(join(dir, 'parts.mjs')).href);
  const module = (name) => new WebAssembly.Module(readFileSync(join(dir, partFile(name))));
  const parts = new EngineParts(module('start'), module);
  for (const name of PARTS) parts.provide(name, module(name));
  return Promise.race([loadEngine({ instantiateWasm: parts.instantiateWasm }), parts.failed]);
}

const engines = [];
for (const dir of dirs) engines.push(await engineOf(dir));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Steps per second of one build at one cell: ≥ `seconds` of batches of ~10 ms. */
function rate(engine, cell) {
  const session = benchSession(engine, cell.size, cell.model);
  try {
    const batch = calibratedBatch(session);
    let steps = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      session.step(batch);
      steps += batch;
    }
    return steps / ((performance.now() - start) / 1000);
  } finally {
    session.delete();
  }
}

/** ms to a fresh default session's first snapshot (references deferred), and to solving its references. */
function startup(engine) {
  const t0 = performance.now();
  const session = new engine.Session(DEFAULT_RUN, { deferReferences: true });
  session.snapshot();
  const t1 = performance.now();
  session.solveReferences();
  const t2 = performance.now();
  session.delete();
  return { first: t1 - t0, references: t2 - t1 };
}

console.log(`builds: ${dirs.map((d, k) => `${String.fromCharCode(65 + k)} = ${d}`).join(', ')}; ${rounds} rounds, cells of ≥ ${seconds} s`);
const header = [
  'cell',
  ...dirs.map((_, k) => `${String.fromCharCode(65 + k)} steps/s`),
  ...dirs.slice(1).map((_, k) => `${String.fromCharCode(66 + k)}/A`),
];
console.log(header.map((h, k) => (k === 0 ? h.padEnd(8) : h.padStart(22))).join(''));
for (const cell of cells) {
  const rates = dirs.map(() => []);
  for (let r = 0; r < rounds; ++r) engines.forEach((engine, k) => rates[k].push(rate(engine, cell)));
  const ratios = rates.slice(1).map((rs) => rs.map((x, r) => x / rates[0][r]));
  console.log(
    cell.name.padEnd(8) +
      rates.map((rs) => Math.round(median(rs)).toLocaleString('en').padStart(22)).join('') +
      ratios.map((q) => `${median(q).toFixed(2)} (${Math.min(...q).toFixed(2)}–${Math.max(...q).toFixed(2)})`.padStart(22)).join(''),
  );
}
const starts = dirs.map(() => ({ first: [], references: [] }));
for (let r = 0; r < Math.max(rounds, 5); ++r)
  engines.forEach((engine, k) => {
    const s = startup(engine);
    starts[k].first.push(s.first);
    starts[k].references.push(s.references);
  });
console.log('default run, ms (median of rounds; the first rounds include V8 tier-up):');
dirs.forEach((d, k) =>
  console.log(
    `  ${String.fromCharCode(65 + k)}: first snapshot ${median(starts[k].first).toFixed(2)}, references ${median(starts[k].references).toFixed(2)}`,
  ),
);
