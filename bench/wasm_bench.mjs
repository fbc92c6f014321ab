// Training-step throughput of the wasm module under Node, beside the native core: the same
// configs as bench/train_bench.cpp (logistic loss, NGD, no recording), W / KQ / multihead H = 4 at the
// sizes S, M, L. Native numbers come from build/native/train_bench's JSON when given (--native FILE).
//
//   node bench/wasm_bench.mjs [--seconds S] [--native train_bench.json] [--json FILE]
//   node bench/wasm_bench.mjs --train-bench build/native/train_bench [--seconds S]
//
// With --train-bench the native side is measured here, interleaved: 3 rounds of (native, wasm) per cell
// (and native forced to two lanes when it runs four, see core/lanes.hpp),
// the ratio taken within a round (median, min–max), so a slow minute of the shared machine slows both.
//
// Each cell is the median of 3 runs of ≥ S seconds; wall time and this process's CPU time are both
// reported (CPU is the robust one on a shared machine). --json writes the numbers for bench/peers.py.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { MODELS, SIZES, benchSession, calibratedBatch } from './throughput.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const seconds = Number(option('--seconds', '1'));
const nativeFile = option('--native', '');
const jsonFile = option('--json', '');
const trainBench = option('--train-bench', '');
const REPEATS = 3;

const { loadEngine } = await import(join(root, 'build', 'wasm', 'index.mjs'));
const engine = await loadEngine();

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Steps per second of wall and of CPU time: medians of `repeats` runs of ≥ `seconds`, in batches of ~10 ms. */
function rate(size, model, repeats = REPEATS) {
  const session = benchSession(engine, size, model);
  const batch = calibratedBatch(session);
  const wall = [],
    cpu = [];
  for (let r = 0; r < repeats; ++r) {
    let steps = 0;
    const start = performance.now(),
      cpuStart = cpuSeconds();
    while (performance.now() - start < seconds * 1000) {
      session.step(batch);
      steps += batch;
    }
    wall.push(steps / ((performance.now() - start) / 1000));
    cpu.push(steps / (cpuSeconds() - cpuStart));
  }
  session.delete();
  return { wall: median(wall), cpu: median(cpu) };
}

if (trainBench) {
  // On a CPU with AVX2 the native core runs four lanes (core/lanes.hpp) where wasm has two: each round also
  // times native forced to two lanes (ATTNSVM_LANES=2), wasm's own width, to separate the two effects.
  const nativeRate = (size, model, env) => {
    const out = execFileSync(trainBench, ['--cell', size.name, model.name, '--seconds', String(seconds), '--repeats', '1'], {
      env: { ...process.env, ...env },
    });
    return JSON.parse(out);
  };
  const lanes = nativeRate(SIZES[0], MODELS[0], {}).lanes ?? 2;
  const narrow = lanes > 2;
  console.log(
    `wasm under Node ${process.version} against native (${lanes} lanes${narrow ? ', and forced to 2' : ''}), ` +
      `interleaved: ${REPEATS} rounds per cell, each >= ${seconds} s of CPU time; native/wasm = wasm time per step / ` +
      'native time per step, within a round',
  );
  console.log(
    `${'size'.padEnd(5)}${'model'.padEnd(11)}${'native'.padStart(10)}${'wasm'.padStart(10)}` +
      `${'native/wasm'.padStart(24)}` +
      (narrow ? `${'native 2 lanes'.padStart(16)}${'at 2 lanes'.padStart(24)}` : ''),
  );
  const spread = (ratios) => `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
  for (const size of SIZES)
    for (const model of MODELS) {
      const native = [],
        wasm = [],
        ratios = [],
        native2 = [],
        ratios2 = [];
      for (let r = 0; r < REPEATS; ++r) {
        native.push(nativeRate(size, model, {}).steps_per_s_cpu);
        if (narrow) native2.push(nativeRate(size, model, { ATTNSVM_LANES: '2' }).steps_per_s_cpu);
        wasm.push(rate(size, model, 1).cpu);
        ratios.push(native.at(-1) / wasm.at(-1));
        if (narrow) ratios2.push(native2.at(-1) / wasm.at(-1));
      }
      console.log(
        `${size.name.padEnd(5)}${model.name.padEnd(11)}${String(Math.round(median(native))).padStart(10)}` +
          `${String(Math.round(median(wasm))).padStart(10)}${spread(ratios).padStart(24)}` +
          (narrow ? `${String(Math.round(median(native2))).padStart(16)}${spread(ratios2).padStart(24)}` : ''),
      );
    }
  process.exit(0);
}

let native = {};
if (nativeFile) {
  // train_bench --json: {"results": [{"size", "model", "steps_per_s_cpu", "steps_per_s_wall", ...}]}
  const json = JSON.parse(readFileSync(nativeFile, 'utf8'));
  for (const r of json.results ?? []) native[`${r.size}/${r.model}`] = r;
}

const pad = (s, n) => String(s).padStart(n);
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) + '×' : '-');
console.log(
  `wasm under Node ${process.version} (steps/s, no recording; median of ${REPEATS} runs of >= ${seconds} s)` +
    (nativeFile ? '; native/wasm = wasm time per step / native time per step' : ''),
);
console.log(
  `${'size'.padEnd(5)}${'model'.padEnd(11)}${pad('wasm CPU', 12)}${pad('wasm wall', 12)}` +
    (nativeFile ? `${pad('native CPU', 12)}${pad('native wall', 12)}${pad('ratio CPU', 11)}${pad('ratio wall', 11)}` : ''),
);
const results = [];
for (const size of SIZES)
  for (const model of MODELS) {
    const ours = rate(size, model);
    const theirs = native[`${size.name}/${model.name}`];
    const extra = nativeFile
      ? pad(theirs ? Math.round(theirs.steps_per_s_cpu) : '-', 12) +
        pad(theirs ? Math.round(theirs.steps_per_s_wall) : '-', 12) +
        pad(ratio(theirs?.steps_per_s_cpu, ours.cpu), 11) +
        pad(ratio(theirs?.steps_per_s_wall, ours.wall), 11)
      : '';
    console.log(`${size.name.padEnd(5)}${model.name.padEnd(11)}${pad(Math.round(ours.cpu), 12)}${pad(Math.round(ours.wall), 12)}${extra}`);
    results.push({ size: size.name, model: model.name, steps_per_s_cpu: ours.cpu, steps_per_s_wall: ours.wall });
  }
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ node: process.version, results }, null, 1));
