// The wasm Ensemble is the core's: over the same seeds it gives the native CLI's `run --seeds` numbers,
// advances in small budgets (as the worker slices it), and rejects bad sizes naming the field.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { cli, engine, readJson, scratch, writeJson } from './helpers.mjs';

const tmp = scratch();
after(() => tmp.cleanup());

const CONFIG = {
  data: { kind: 'gaussian-unit', n: 6, T: 8, d: 10, seed: 4 },
  model: { param: 'KQ' },
  optimizer: { kind: 'ngd', lr: 0.1 },
  svm: { norms: ['fro', 'nuc'], tokens: 'selected' },
  run: { iterations: 400 },
};

test('the wasm ensemble equals the native CLI ensemble (mean, std, count) to 1e-12', async () => {
  const { Ensemble } = await engine();
  const ensemble = new Ensemble(CONFIG, { members: 6, iterations: 400, points: 12 });
  let slices = 0;
  while (!ensemble.advance(50)) slices++;
  assert.ok(slices >= (6 * 400) / 50 - 1, `advanced in ${slices} slices of 50 iterations`);
  const ours = ensemble.summary();
  ensemble.delete();

  const file = tmp.path('ensemble.json');
  writeJson(file, CONFIG);
  const out = tmp.path('ensemble-out.json');
  const { code, stderr } = cli(['run', file, '--seeds', '6', '--points', '12', '--out', out]);
  assert.equal(code, 0, stderr);
  const native = readJson(out);

  assert.equal(ours.members, 6);
  assert.equal(ours.done, 6);
  assert.deepEqual(Array.from(ours.steps), native.steps);
  assert.deepEqual(ours.columns, native.columns);
  let worst = 0;
  for (const column of native.columns) {
    assert.deepEqual(Array.from(ours.count[column]), native.count[column], column);
    for (const [k, x] of native.mean[column].entries()) {
      for (const [a, b] of [
        [ours.mean[column][k], x],
        [ours.std[column][k], native.std[column][k]],
      ]) {
        if (b === null) assert.ok(Number.isNaN(a), `${column}[${k}]: ${a} where native has none`);
        else worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
      }
    }
  }
  assert.ok(worst <= 1e-12, `largest relative difference ${worst}`);
  // and the papers' claim, on average over the seeds: the KQ run approaches the nuclear-norm SVM
  const last = ours.steps.length - 1;
  assert.ok(ours.mean.corr_nuc[last] > ours.mean.corr_fro[last], 'corr_nuc > corr_fro at the end');
});

test('bad ensemble sizes and configs are rejected naming the field', async () => {
  const { Ensemble } = await engine();
  assert.throws(() => new Ensemble(CONFIG, { members: 0 }), /ensemble\.members/);
  assert.throws(() => new Ensemble(CONFIG, { iterations: 0 }), /ensemble\.iterations/);
  assert.throws(() => new Ensemble(CONFIG, { points: 1.5 }), /ensemble\.points/);
  assert.throws(() => new Ensemble({ ...CONFIG, optimizer: { kind: 'sgd' } }), /optimizer\.kind/);
  const e = new Ensemble(CONFIG, { members: 2, iterations: 10 });
  assert.throws(() => e.advance(-1), /budget/);
  e.delete();
  assert.throws(() => e.summary(), /already deleted/);
});
