// Invalid input becomes a JS Error whose message names the field, and the module stays usable; a
// diverged run throws with the step and keeps its last finite state.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { engine } from './helpers.mjs';

let Session, normalizeConfig;
before(async () => ({ Session, normalizeConfig } = await engine()));

/** Asserts that fn throws an Error whose message (not its "Error: " string) matches re. */
function throwsMessage(fn, re, what = re.source) {
  assert.throws(fn, (e) => e instanceof Error && re.test(e.message), what);
}

const INVALID = [
  [{ optimizer: { lr: -1 } }, /^optimizer\.lr: must be > 0/],
  [{ optimizer: { kind: 'adam' } }, /^optimizer\.kind: must be one of "gd", "ngd", "polyak", "md", "flow", got "adam"/],
  [{ optimizer: { kind: 'md', p: 1 } }, /^optimizer\.p: must be > 1/],
  [{ data: { n: 0 } }, /^data\.n: must be between 1 and/],
  [{ data: { kind: 'toy' } }, /^data\.name: a toy dataset needs a name/],
  [{ model: { param: 'QK' } }, /^model\.param: must be one of/],
  [{ model: { heads: 2 } }, /^model\.heads: only the multihead parameterisation/],
  [{ model: { init: { std: 'big' } } }, /^model\.init\.std: must be a number/],
  [{ svm: { norms: ['fro', 'spectral'] } }, /^svm\.norms\[1\]: must be one of/],
  [{ run: { iterations: 1.5 } }, /^run\.iterations: must be an integer/],
  [{ colour: 'red' }, /^colour: unknown field/],
  [{ data: { kind: 'file', path: 'd.json' } }, /^data\.kind: "file" reads a dataset file, which the WebAssembly engine cannot/],
  ['{"data": ', /^config: malformed JSON/],
  [42, /^config: must be a JSON object or string/],
];

test('invalid configs throw Errors that name the field, and the module stays usable', () => {
  for (const [config, message] of INVALID) {
    assert.throws(
      () => new Session(config),
      (e) => e instanceof Error && message.test(e.message) && e.kind === 'input',
      JSON.stringify(config),
    );
    if (config?.data?.kind !== 'file') throwsMessage(() => normalizeConfig(config), message);
  }
  const session = new Session({ optimizer: { kind: 'gd', lr: 0.5 } });
  session.step(20);
  assert.equal(session.iteration, 20);
  assert.ok(Number.isFinite(session.snapshot().metrics.loss));
  session.delete();
});

test('normalizeConfig fills in the defaults', () => {
  const config = normalizeConfig({ optimizer: { kind: 'md' } });
  assert.equal(config.optimizer.kind, 'md');
  assert.equal(config.optimizer.p, 2);
  assert.equal(config.data.kind, 'gaussian-unit');
  assert.equal(config.run.record_every, 1);
});

test('a diverged run throws "diverged at step k" with .step and keeps its last finite state', () => {
  // Mirror descent with p near 1 maps a large dual step through |U|^{1/(p−1)} = |U|^100: overflow.
  const session = new Session({ optimizer: { kind: 'md', p: 1.01, lr: 1e4 } });
  try {
    let error;
    try {
      session.step(100);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error, 'the run diverges');
    assert.match(error.message, /^diverged at step \d+: .*optimizer\.lr/);
    assert.equal(error.kind, 'diverged');
    assert.equal(error.step, session.iteration + 1);
    const params = session.params();
    assert.ok(JSON.stringify(params).indexOf('null') < 0, 'finite parameters');
    const snap = session.snapshot();
    assert.equal(snap.step, session.iteration);
  } finally {
    session.delete();
  }
});

test('bad arguments of session methods throw Errors naming them; the session keeps working', () => {
  const session = new Session({ svm: { norms: ['fro'] } });
  try {
    throwsMessage(() => session.step(-1), /^step: k must be an integer >= 0/);
    throwsMessage(() => session.setLr(0), /^optimizer\.lr: must be > 0/);
    throwsMessage(() => session.setParams({ W: [[1, 2]] }), /^params\.W: must have 10 entries, got 1/);
    throwsMessage(() => session.setParams('{'), /^params: malformed JSON/);
    throwsMessage(() => session.solveSvm({ norm: 'spectral' }), /^norm: must be one of/);
    throwsMessage(() => session.solveSvm({ tokens: [0, 1] }), /^tokens: has 2 entries for 6 sequences/);
    throwsMessage(() => session.solveSvm({ head: 3 }), /^head: must be between 0 and 0/);
    throwsMessage(() => session.solveSvm({ norm: 'lp', p: 1 }), /^p: must be a number > 1/);
    throwsMessage(() => session.solveSvm({ problem: 'decoder', norm: 'nuc' }), /^norm: the decoder SVM supports fro/);
    throwsMessage(() => session.solveSvm({ exponent: 2 }), /^exponent: unknown field/);
    throwsMessage(() => session.solveSvm(3), /^request: must be a JSON object or string/);
    session.step(5);
    assert.equal(session.iteration, 5);
  } finally {
    session.delete();
  }
  throwsMessage(() => session.step(1), /^session: already deleted/);
});

// Seeds go up to 2^53 and size checks multiply n·T·d: core does both in 64 bits, as `long` is 32 bits on wasm32.
test('explicit seeds up to 2^53 are accepted and sizes are checked in 64 bits, as natively', () => {
  const session = new Session({ data: { seed: 2 ** 53 }, model: { init: { seed: 3 } } });
  session.delete();
  throwsMessage(() => new Session({ data: { n: 100000, T: 4096, d: 1024 } }), /^data\.n: .*exceeds the limit/);
});
