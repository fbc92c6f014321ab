// The table of bad inputs (tests/bad_inputs.json, shared with the CLI test in test_robustness.cpp and the
// page) through the wasm module: each config, URL-like flattened state or dataset file is rejected with
// its specific message as an input Error, and a Session created before is left intact and usable.
//
// Entries: {name, error, and one of: config (an object, or raw text), flat ("optimizer.lr=-1&data.n=7":
// dotted config paths; a value is JSON when it parses, else a string; comma lists are arrays), dataset
// (file text) with format ("json" | "csv") and optional query ("cross" default)}.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { ROOT, engine } from './helpers.mjs';

const TABLE = JSON.parse(readFileSync(join(ROOT, 'tests', 'bad_inputs.json'), 'utf8'));

let api;
before(async () => (api = await engine()));

/** A flattened state as a config object. */
export function unflatten(flat) {
  const config = {};
  const valueOf = (text) => {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  for (const pair of flat.split('&')) {
    const eq = pair.indexOf('=');
    const [key, text] = [pair.slice(0, eq), pair.slice(eq + 1)];
    const value = text.includes(',') ? text.split(',').map(valueOf) : valueOf(text);
    const parts = key.split('.');
    let node = config;
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    node[parts.at(-1)] = value;
  }
  return config;
}

/** Runs the entry through the engine; returns the Error thrown (or undefined). */
function reject(entry) {
  try {
    if ('dataset' in entry) api.parseDataset(entry.dataset, entry.format, entry.query ?? 'cross');
    else new api.Session('flat' in entry ? unflatten(entry.flat) : entry.config).delete();
  } catch (e) {
    return e;
  }
  return undefined;
}

test('the table has at least 40 entries of every kind', () => {
  assert.ok(TABLE.length >= 40, `${TABLE.length} entries`);
  for (const key of ['config', 'flat', 'dataset'])
    assert.ok(
      TABLE.some((e) => key in e),
      key,
    );
  assert.ok(TABLE.some((e) => e.format === 'csv') && TABLE.some((e) => e.format === 'json'));
});

test('each bad input is rejected with its specific message; the previous session is left intact', () => {
  const session = new api.Session({ data: { n: 6, T: 8, d: 10 }, optimizer: { kind: 'ngd', lr: 0.1 }, svm: { norms: ['fro'] } });
  try {
    session.step(10);
    const params = JSON.stringify(session.params());
    for (const entry of TABLE) {
      const error = reject(entry);
      assert.ok(error instanceof Error, `${entry.name}: not rejected`);
      assert.equal(error.kind, 'input', `${entry.name}: ${error.message}`);
      assert.ok(error.message.includes(entry.error), `${entry.name}: "${error.message}" lacks "${entry.error}"`);
      // Nothing leaked into the live session: same step, same parameters.
      assert.equal(session.iteration, 10, entry.name);
      assert.equal(JSON.stringify(session.params()), params, entry.name);
    }
    session.step(5);
    assert.equal(session.iteration, 15);
    const snap = session.snapshot();
    assert.ok(Number.isFinite(snap.metrics.loss) && Number.isFinite(snap.metrics.corr_fro));
  } finally {
    session.delete();
  }
});

test('parseDataset reads JSON and CSV into the same dataset JSON, which an inline config trains on', () => {
  const csv = 'seq,token,y,x1,x2,z1,z2\n0,0,1,1,0,1,0\n0,1,1,0,1,1,0\n1,0,-1,0.5,0.5,0,1\n1,1,-1,-1,0,0,1\nv,,,1,-1,,\n';
  const fromCsv = api.parseDataset(csv, 'csv');
  assert.deepEqual(fromCsv.X, [
    [
      [1, 0],
      [0, 1],
    ],
    [
      [0.5, 0.5],
      [-1, 0],
    ],
  ]);
  assert.deepEqual(fromCsv.y, [1, -1]);
  assert.deepEqual(fromCsv.v, [1, -1]);
  assert.deepEqual(api.parseDataset(JSON.stringify(fromCsv)), fromCsv, 'auto-detected JSON');
  const { X, y, z, v } = fromCsv;
  const session = new api.Session({ data: { kind: 'inline', X, y, z, v }, optimizer: { kind: 'gd', lr: 0.5 } });
  session.step(3);
  assert.equal(session.iteration, 3);
  session.delete();
  assert.throws(() => api.parseDataset(csv, 'xml'), /^Error: format: must be "json", "csv" or "auto"/);
  assert.throws(() => api.parseDataset(42), /^Error: dataset: must be the text/);
});
