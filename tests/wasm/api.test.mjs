// The JavaScript API: snapshots are plain objects of copied typed arrays with consistent shapes; the
// session's accessors round-trip; SVM solves carry their certificates.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { ROOT, engine } from './helpers.mjs';

let Session, toyNames;
before(async () => ({ Session, toyNames } = await engine()));

const sum = (a) => a.reduce((s, x) => s + x, 0);

test('a snapshot holds per-head attention, tokens, matrices and SVM references with certificates', () => {
  const session = new Session({
    data: { n: 5, T: 4, d: 6, test_n: 3 },
    model: { param: 'multihead', heads: 2 },
    optimizer: { kind: 'gd', lr: 0.5 },
    svm: { norms: ['fro', 'lp'], p: 1.5 },
  });
  try {
    session.step(50);
    const s = session.snapshot();
    assert.equal(s.step, 50);
    assert.deepEqual([s.heads, s.n, s.T, s.d], [2, 5, 4, 6]);
    assert.deepEqual(Object.keys(s.metrics), s.columns);
    assert.ok(s.columns.includes('test_acc') && s.columns.includes('corr_lp'));
    for (const key of ['attention', 'log1mAttention', 'selected', 'optimal', 'W', 'singularValues', 'decoders'])
      assert.equal(s[key].length, 2, key);
    for (let h = 0; h < 2; ++h) {
      const A = s.attention[h];
      assert.deepEqual([A.rows, A.cols, A.data.length], [5, 4, 20]);
      assert.ok(A.data instanceof Float64Array);
      for (let i = 0; i < 5; ++i) {
        const row = A.data.subarray(i * 4, i * 4 + 4);
        assert.ok(Math.abs(sum(row) - 1) < 1e-12, 'softmax rows sum to 1');
        const top = row.indexOf(Math.max(...row));
        assert.equal(s.selected[h][i], top, 'selected = argmax of the attention');
        const log1m = s.log1mAttention[h].data[i * 4 + top];
        assert.ok(Math.abs(log1m - Math.log10(1 - row[top])) < 1e-9, 'log10(1 − s) agrees with s');
      }
      assert.ok(s.selected[h] instanceof Int32Array && s.optimal[h] instanceof Int32Array);
      assert.deepEqual([s.W[h].rows, s.W[h].cols], [6, 6]);
      assert.equal(s.singularValues[h].length, 6);
      assert.equal(s.decoders[h].length, 6);
    }
    assert.equal(s.references.length, 4);
    for (const r of s.references) {
      assert.ok(['fro', 'lp'].includes(r.norm) && [0, 1].includes(r.head));
      assert.equal(r.status, 'optimal');
      assert.ok(r.gap < 1e-6 && r.violation < 1e-9 && Math.abs(r.margin * r.normValue - 1) < 1e-12);
      assert.equal(r.p, r.norm === 'lp' ? 1.5 : 2);
      assert.equal(r.lambda.length, r.constraints.sequence.length);
      assert.ok(r.support.length > 0 && r.support.every((k) => r.lambda[k] > 0));
      assert.equal(r.alpha.length, 5);
      assert.equal(typeof r.localOptimality.locallyOptimal, 'boolean');
    }
    assert.deepEqual(Object.keys(s.history), ['step', ...s.columns]);
    assert.equal(s.history.step.length, 51);
    assert.equal(s.history.loss[50], s.metrics.loss);
    assert.equal(session.snapshot({ history: false }).history, null);
  } finally {
    session.delete();
  }
});

test('snapshots are copies: later steps and deletion do not change them', () => {
  const session = new Session({});
  session.step(3);
  const s = session.snapshot();
  const before = Float64Array.from(s.W[0].data);
  session.step(30);
  session.delete();
  new Session({ data: { n: 50, T: 20, d: 30 } }).delete(); // reuse the freed memory
  assert.deepEqual(s.W[0].data, before);
  assert.ok(s.W[0].data.buffer.byteLength === s.W[0].data.byteLength, 'each array owns its buffer');
});

test('params round-trip through setParams, and setLr changes the step without a reset', () => {
  const a = new Session({ optimizer: { kind: 'gd', lr: 0.1 } });
  const b = new Session({ optimizer: { kind: 'gd', lr: 0.1 } });
  try {
    a.step(40);
    b.setParams(a.params());
    assert.deepEqual(b.params().W, a.params().W);
    a.step(10);
    b.step(10);
    assert.deepEqual(b.params().W, a.params().W, 'same state, same trajectory');
    a.setLr(0.5);
    assert.equal(a.config().optimizer.lr, 0.5);
    assert.equal(a.iteration, 50);
    a.step(1);
    b.step(1);
    assert.notDeepEqual(b.params().W, a.params().W);
  } finally {
    a.delete();
    b.delete();
  }
});

test('solveSvm: every norm, the decoder SVM, token rules and the joint variant', () => {
  const session = new Session({ data: { n: 6, T: 5, d: 8 }, model: { decoder: 'trained' } });
  try {
    session.step(20);
    for (const request of [{ norm: 'fro' }, { norm: 'lp' }, { norm: 'nuc' }, { norm: 'l1diag' }, { problem: 'decoder' }]) {
      const sol = session.solveSvm(request);
      assert.equal(sol.problem, request.problem ?? 'attention');
      assert.equal(sol.norm, request.norm ?? 'fro');
      assert.equal(sol.p, request.norm === 'lp' ? 1.75 : 2, "the config's svm.p for lp");
      assert.equal(sol.status, 'optimal', `${JSON.stringify(request)}: ${sol.reason}`);
      assert.deepEqual([sol.W.rows, sol.W.cols], request.problem === 'decoder' ? [8, 1] : [8, 8]);
      assert.ok(sol.violation < 1e-7 && sol.gap < 1e-6);
      assert.equal(typeof sol.localOptimality.locallyOptimal, 'boolean');
    }
    assert.equal(session.solveSvm({ problem: 'decoder', norm: 'lp', p: 3 }).p, 3);
    const selected = session.snapshot().selected[0];
    assert.deepEqual(session.solveSvm({ tokens: 'selected' }).alpha, selected);
    const explicit = session.solveSvm({ tokens: [0, 1, 2, 3, 4, 0] });
    assert.deepEqual(Array.from(explicit.alpha), [0, 1, 2, 3, 4, 0]);
    assert.deepEqual(Array.from(session.solveSvm({ tokens: Int32Array.from([0, 1, 2, 3, 4, 0]) }).alpha), [0, 1, 2, 3, 4, 0]);
    const joint = session.solveSvm({ joint: true });
    assert.equal(joint.joint, true);
    assert.ok(joint.normValue <= session.solveSvm({}).normValue + 1e-9, 'relaxing constraints cannot raise the norm');
  } finally {
    session.delete();
  }
});

test('dataset() is the dataset JSON and toyNames() lists the toys', () => {
  const session = new Session({ data: { n: 3, T: 2, d: 4, test_n: 2 } });
  try {
    const d = session.dataset();
    assert.equal(d.X.length, 3);
    assert.equal(d.X[0].length, 2);
    assert.equal(d.X[0][0].length, 4);
    assert.equal(d.y.length, 3);
    assert.equal(d.X_test.length, 2);
  } finally {
    session.delete();
  }
  assert.ok(toyNames().length > 0);
  const toy = new Session({ data: { kind: 'toy', name: toyNames()[0] } });
  toy.step(2);
  toy.delete();
});

test('deferReferences: NaN SVM metrics and no references until solveReferences(), then those of a normal session', () => {
  const config = { model: { param: 'KQ' }, optimizer: { kind: 'ngd', lr: 0.1 }, svm: { norms: ['fro', 'nuc'] } };
  const normal = new Session(config);
  const deferred = new Session(config, { deferReferences: true });
  const stepped = new Session(config, { deferReferences: true });
  try {
    assert.equal(normal.referencesDeferred, false);
    assert.equal(deferred.referencesDeferred, true);
    const first = deferred.snapshot();
    assert.deepEqual(first.references, []);
    // the per-reference columns (docs/design.md §6), 6 for each of the 2 norms
    const svmColumns = first.columns.filter((c) => /^(corr|log10_1m_corr|bregman|margin|svm_margin|rank)_/.test(c));
    assert.equal(svmColumns.length, 12);
    for (const c of first.columns) assert.equal(Number.isNaN(first.metrics[c]), svmColumns.includes(c), c);
    assert.ok(Number.isNaN(first.history.corr_nuc[0]));
    assert.deepEqual(first.attention, normal.snapshot().attention, 'the data and attention are there already');

    deferred.solveReferences();
    assert.equal(deferred.referencesDeferred, false);
    const solved = deferred.snapshot();
    const reference = normal.snapshot();
    assert.deepEqual(solved.metrics, reference.metrics);
    assert.deepEqual(solved.history, reference.history);
    assert.deepEqual(solved.references, reference.references);
    assert.ok(Number.isFinite(solved.metrics.corr_nuc));

    stepped.step(20); // a step on a deferred session solves them first
    normal.step(20);
    assert.equal(stepped.referencesDeferred, false);
    assert.deepEqual(stepped.snapshot(), normal.snapshot());
  } finally {
    normal.delete();
    deferred.delete();
    stepped.delete();
  }
});

test('loadEngine({module}) instantiates an already compiled WebAssembly.Module', async () => {
  const dir = process.env.ATTNSVM_WASM_DIR ?? join(ROOT, 'build', 'wasm');
  const module = await WebAssembly.compile(await readFile(join(dir, 'attnsvm.wasm')));
  const { loadEngine } = await import(join(dir, 'index.mjs'));
  const compiled = await loadEngine({ module });
  const config = { data: { n: 4, T: 3, d: 5 }, optimizer: { kind: 'gd', lr: 0.5 } };
  const a = new compiled.Session(config);
  const b = new Session(config);
  try {
    a.step(10);
    b.step(10);
    assert.deepEqual(a.snapshot(), b.snapshot(), 'the same engine, however it was loaded');
  } finally {
    a.delete();
    b.delete();
  }
  await assert.rejects(loadEngine({ module: new Uint8Array(4) }), /module: must be a WebAssembly\.Module/);
});
