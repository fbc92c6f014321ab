// Fashion-MNIST in the wasm engine: given the same IDX bytes (registerImages), the module
// builds the same tokenised dataset and the same first training steps as the native CLI reading the
// files; bad bytes and missing files fail with errors that name them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { CLI, ROOT, cli, diff, engine, readJson, scratch, writeJson } from './helpers.mjs';

const DIR = join(ROOT, 'build', 'data', 'fashion-mnist');
const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const TOLERANCE = 1e-12;

const config = (optimizer) => ({
  data: { kind: 'fashion-mnist', path: DIR, classes: [1, 8], n: 120, test_n: 60, d: 8, positional: 0.3, seed: 4 },
  model: { decoder: 'trained', init: { kind: 'gaussian', std: 0.1, seed: 2 } },
  optimizer,
  run: { iterations: 30, record_every: 1 },
});

describe('fashion-mnist: wasm and native agree on the same image bytes', () => {
  let tmp, eng;
  before(async () => {
    // The subset of scripts/build-data.sh (cached; normally made by the native test suite).
    execFileSync('bash', [join(ROOT, 'scripts', 'build-data.sh')], {
      cwd: ROOT,
      env: { ...process.env, ATTNSVM_CLI: CLI },
      stdio: 'inherit',
    });
    tmp = scratch();
    eng = await engine();
    for (const f of FILES) eng.registerImages(`${DIR}/${f}`, new Uint8Array(readFileSync(join(DIR, f))));
  });
  after(() => tmp?.cleanup());

  for (const [name, optimizer] of Object.entries({
    gd: { kind: 'gd', lr: 2 },
    'md p=1.1': { kind: 'md', p: 1.1, lr: 2 },
    'normalized md p=3': { kind: 'md', p: 3, lr: 0.1, normalized: true },
  })) {
    test(`${name}: same dataset and the same first 30 steps`, () => {
      const cfg = config(optimizer);
      const file = tmp.path('config.json'),
        data = tmp.path('data.json'),
        metrics = tmp.path('metrics.json');
      writeJson(file, cfg);
      let r = cli(['data', file, '--out', data]);
      assert.equal(r.code, 0, r.stderr);
      r = cli(['run', file, '--out', metrics]);
      assert.equal(r.code, 0, r.stderr);
      const session = new eng.Session(cfg);
      try {
        const d = diff(session.dataset(), readJson(data));
        assert.ok(d.scaled <= TOLERANCE, `dataset: ${d.scaled} at ${d.where}`);
        session.step(30);
        const history = session.history();
        const { columns, rows } = readJson(metrics);
        assert.ok(columns.includes('test_acc'));
        const t = { abs: 0, scaled: 0, where: '' };
        columns.forEach((c, j) =>
          diff(
            history[c],
            rows.map((row) => row[j]),
            c,
            t,
          ),
        );
        assert.ok(t.scaled <= TOLERANCE, `trajectory: ${t.scaled} at ${t.where}`);
        // the test report the page draws: the outputs' signs against y_test are the engine's test accuracy
        const outputs = session.testOutputs(),
          yTest = session.dataset().y_test;
        assert.equal(outputs.length, 60);
        const correct = yTest.filter((y, i) => Math.sign(outputs[i]) === y).length;
        assert.equal(correct / 60, history.test_acc.at(-1));
        assert.deepEqual(
          session.testAttention().map((m) => [m.rows, m.cols]),
          [[60, 16]],
        );
      } finally {
        session.delete();
      }
    });
  }

  test('registerImages rejects bytes that are not IDX, naming them; unregistered files are named', () => {
    assert.throws(
      () => eng.registerImages('bad/train-images-idx3-ubyte', new Uint8Array([0x1f, 0x8b, 8, 0])),
      /bad\/train-images-idx3-ubyte: is gzip-compressed/,
    );
    const truncated = new Uint8Array(readFileSync(join(DIR, FILES[1]))).subarray(0, 100);
    assert.throws(() => eng.registerImages('cut', truncated), /cut: truncated/);
    assert.throws(
      () => new eng.Session({ data: { kind: 'fashion-mnist', path: 'nowhere' } }),
      /nowhere\/train-images-idx3-ubyte: not registered/,
    );
  });
});
