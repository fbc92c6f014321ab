// The wasm Session and the native CLI run the exact same engine: for every optimiser and
// parameterisation they produce the same dataset, the same trajectory (every recorded metric and the
// final parameters) and the same SVM solutions, to 1e-12 after 500 steps.
//
// Why the bits agree: the wasm build runs Eigen's SSE2 code path on Emscripten's SSE2 emulation, so
// packet arithmetic happens in the native order (wasm/CMakeLists.txt), and the CLI runs with glibc's
// portable exp/log/pow (helpers.mjs: CLI_ENV), which share musl's algorithms, instead of its FMA
// variants. Differences are measured relative to max(1, |native|). core/svm/ avoids std::hypot,
// whose rounding differs between glibc and musl (the nuclear-norm solver amplified it to ~1e-6).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { cli, diff, engine, readJson, rowsOf, scratch, writeJson } from './helpers.mjs';

const STEPS = 500;
const TOLERANCE = 1e-12;
/** The nuclear-norm SVM, see above. */
const NUCLEAR_TOLERANCE = 1e-12;
/** Metric columns computed against the nuclear-norm SVM reference. */
const againstNuclear = (column) => /^(corr|bregman|svm_margin)_nuc$/.test(column);

/** name → config; every run records every step. */
const CONFIGS = {
  'gd on W (logistic)': { optimizer: { kind: 'gd', lr: 0.5 }, svm: { norms: ['fro', 'lp'] } },
  'ngd on W': { optimizer: { kind: 'ngd', lr: 0.1 }, svm: { norms: ['fro', 'nuc'] } },
  // T and d of 32: natively, on a CPU with AVX2, every product and the softmax take their four-lane
  // paths (core/lanes.hpp), which must reproduce wasm's two-lane sums.
  'ngd on W and KQ at T = d = 32': {
    data: { n: 8, T: 32, d: 32 },
    model: { param: 'KQ' },
    optimizer: { kind: 'ngd', lr: 0.1 },
    svm: { norms: ['fro'] },
  },
  'polyak on W (exponential loss)': { loss: 'exponential', optimizer: { kind: 'polyak', scale: 0.5 }, svm: { norms: ['fro'] } },
  'md p=1.75': { optimizer: { kind: 'md', lr: 0.5, p: 1.75 }, svm: { norms: ['lp', 'fro'], p: 1.75 } },
  'normalized md p=1.75': {
    optimizer: { kind: 'md', lr: 0.05, p: 1.75, normalized: true },
    svm: { norms: ['lp'], p: 1.75 },
  },
  'flow on KQ': { model: { param: 'KQ' }, optimizer: { kind: 'flow', lr: 0.05 }, svm: { norms: ['nuc', 'fro'] } },
  'ngd on KQ-diag': { model: { param: 'KQ-diag' }, optimizer: { kind: 'ngd', lr: 0.05 }, svm: { norms: ['l1diag'] } },
  'gd on 3 heads': {
    data: { kind: 'tokenized-mixture', n: 8, T: 6, d: 8 },
    model: { param: 'multihead', heads: 3, head_signs: 'alternating' },
    optimizer: { kind: 'gd', lr: 0.5 },
    svm: { norms: ['fro'] },
  },
  'ngd with a trained decoder': {
    data: { test_n: 4 },
    model: { decoder: 'trained' },
    optimizer: { kind: 'ngd', lr: 0.05 },
    svm: { norms: ['fro'], tokens: 'selected' },
  },
  'ngd on a prompt (self queries)': {
    data: { kind: 'clusters', query: 'self' },
    model: { param: 'prompt' },
    optimizer: { kind: 'ngd', lr: 0.05 },
    svm: { norms: ['fro', 'lp'] },
  },
};

const withRun = (config) => ({ ...config, run: { iterations: STEPS, record_every: 1 } });

/** Runs the CLI on a config: {dataset, metrics: {columns, rows}, params, data path, params path}. */
function native(config, tmp, name) {
  const file = tmp.path(`${name}.json`);
  writeJson(file, config);
  const data = tmp.path(`${name}-data.json`),
    metrics = tmp.path(`${name}-m.json`),
    params = tmp.path(`${name}-p.json`);
  let r = cli(['data', file, '--out', data]);
  assert.equal(r.code, 0, r.stderr);
  r = cli(['run', file, '--out', metrics, '--params-out', params]);
  assert.equal(r.code, 0, r.stderr);
  return { dataset: readJson(data), metrics: readJson(metrics), params: readJson(params), dataPath: data, paramsPath: params };
}

/** The CLI's solution of the SVM that `solution` (from the wasm session) solved, same tokens. */
function nativeSvm(solution, run, config, tmp) {
  const norm = solution.problem === 'decoder' ? 'decoder' : solution.norm;
  const args = ['svm', run.dataPath, '--norm', norm, '--tokens', Array.from(solution.alpha).join(',')];
  if (solution.norm === 'lp') args.push('--p', String(solution.p));
  if (config.model?.param === 'prompt')
    args.push('--model', 'prompt'); // the prompt model reads no query
  else if (config.data?.query === 'self') args.push('--query', 'self');
  args.push('--out', tmp.path('svm.json'));
  const r = cli(args);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  return readJson(tmp.path('svm.json'));
}

describe('wasm and native produce the same runs', () => {
  let tmp, Session;
  const measured = [];
  before(async () => {
    tmp = scratch();
    ({ Session } = await engine());
  });
  after(() => {
    tmp.cleanup();
    console.log('max |wasm − native| (and max |wasm − native| / max(1, |native|)) after %d steps:', STEPS);
    const fmt = (d) => `${d.abs.toExponential(1)} (${d.scaled.toExponential(1)})`;
    console.table(
      measured.map((m) => ({
        config: m.config,
        dataset: fmt(m.dataset),
        trajectory: fmt(m.trajectory),
        params: fmt(m.params),
        svm: fmt(m.svm),
        nuc: fmt(m.nuc),
      })),
    );
  });

  for (const [name, base] of Object.entries(CONFIGS)) {
    test(name, () => {
      const config = withRun(base);
      const tag = name.replace(/[^a-z0-9]+/gi, '-');
      const run = native(config, tmp, tag);
      const session = new Session(config);
      try {
        const dataset = diff(session.dataset(), run.dataset);
        session.step(STEPS);

        const history = session.history();
        const { columns, rows } = run.metrics;
        assert.deepEqual(columns, ['step', ...session.metricNames()]);
        assert.equal(history.step.length, rows.length, 'recorded rows');
        const nativeColumns = Object.fromEntries(columns.map((c, j) => [c, rows.map((row) => row[j])]));
        const trajectory = { abs: 0, scaled: 0, where: '' },
          nuc = { abs: 0, scaled: 0, where: '' };
        for (const column of columns) diff(history[column], nativeColumns[column], column, againstNuclear(column) ? nuc : trajectory);
        const params = diff(session.params(), run.params);

        const svm = { abs: 0, scaled: 0, where: '' };
        const norms = [...(config.svm?.norms ?? []), ...(config.model?.param === 'prompt' ? [] : ['decoder'])];
        const heads = config.model?.heads ?? 1;
        for (const norm of norms) {
          for (const tokens of ['optimal', 'selected']) {
            const request = norm === 'decoder' ? { problem: 'decoder', tokens } : { norm, tokens };
            const mine = session.solveSvm({ ...request, head: heads - 1 });
            const theirs = nativeSvm(mine, run, config, tmp);
            // One JSON form: the wasm object and the CLI's file have the same fields.
            assert.deepEqual(Object.keys(theirs).sort(), Object.keys(mine).sort(), 'field names');
            assert.equal(mine.status, theirs.status, `${norm} status`);
            const W = mine.W && rowsOf(mine.W);
            diff(
              { W, normValue: mine.normValue, margin: mine.margin, gap: mine.gap, violation: mine.violation, lambda: mine.lambda },
              {
                W: theirs.W,
                normValue: theirs.normValue,
                margin: theirs.margin,
                gap: theirs.gap,
                violation: theirs.violation,
                lambda: theirs.lambda,
              },
              `${norm}/${tokens}`,
              norm === 'nuc' ? nuc : svm,
            );
            if (norm !== 'nuc') {
              assert.deepEqual(Array.from(mine.support), theirs.support, `${norm} support`);
              assert.equal(mine.iterations, theirs.iterations, `${norm} iterations`);
            }
          }
        }
        measured.push({ config: name, dataset, trajectory, params, svm, nuc });
        for (const [what, d] of Object.entries({ dataset, trajectory, params, svm }))
          assert.ok(d.scaled <= TOLERANCE, `${what}: max scaled diff ${d.scaled} at ${d.where} > ${TOLERANCE}`);
        assert.ok(nuc.scaled <= NUCLEAR_TOLERANCE, `nuclear SVM: max scaled diff ${nuc.scaled} at ${nuc.where}`);
      } finally {
        session.delete();
      }
    });
  }

  test('the nuclear-norm SVM agrees to 1e-12 too', () => {
    const worst = Math.max(...measured.map((m) => m.nuc.scaled));
    assert.ok(worst <= TOLERANCE, `max scaled diff ${worst}`);
  });
});
