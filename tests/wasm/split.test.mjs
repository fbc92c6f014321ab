// The engine in parts (scripts/split-wasm.mjs, wasm/parts.mjs), as the page's worker loads it: the worker's
// runner (build/web-engine/runner.js) on the start part answers the page's first configure without any other
// part, waits for the view part (as the page hands it over) before solving the references and training, and
// loads the rest part only for what the first view does not do; and the split engine computes what
// attnsvm.wasm computes, bit for bit, whatever part each function comes from.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { DEFAULT_RUN } from '../../scripts/split-wasm.mjs';
import { ROOT } from './helpers.mjs';

const WASM_DIR = process.env.ATTNSVM_WASM_DIR ?? join(ROOT, 'build', 'wasm');
const ENGINE_DIR = process.env.ATTNSVM_WEB_ENGINE_DIR ?? join(ROOT, 'build', 'web-engine');

let loadEngine, EngineParts, EngineRunner, whole;
const modules = {};
before(async () => {
  ({ loadEngine } = await import(pathToFileURL(join(WASM_DIR, 'index.mjs')).href));
  ({ EngineParts } = await import(pathToFileURL(join(WASM_DIR, 'parts.mjs')).href));
  ({ EngineRunner } = await import(pathToFileURL(join(ENGINE_DIR, 'runner.js')).href));
  for (const part of ['start', 'view', 'rest'])
    modules[part] = new WebAssembly.Module(readFileSync(join(WASM_DIR, `attnsvm.${part}.wasm`)));
  whole = await loadEngine();
});

/** An engine on the parts; `fetched` lists the parts loaded synchronously (not provided beforehand). */
async function splitEngine() {
  const fetched = [];
  const parts = new EngineParts(modules.start, (name) => {
    fetched.push(name);
    return modules[name];
  });
  const engine = await Promise.race([loadEngine({ instantiateWasm: parts.instantiateWasm }), parts.failed]);
  return { engine, parts, fetched };
}

/** Every number of a snapshot, for bit-for-bit comparisons. */
function numbers(value, out = []) {
  if (typeof value === 'number') out.push(value);
  else if (ArrayBuffer.isView(value)) out.push(...value);
  else if (Array.isArray(value)) for (const v of value) numbers(v, out);
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value).sort()) numbers(value[key], out);
  return out;
}
const same = (a, b) => Buffer.from(new Float64Array(numbers(a)).buffer).equals(Buffer.from(new Float64Array(numbers(b)).buffer));

test('the worker answers the first configure on the start part alone, and trains once the view part arrived', async () => {
  const { engine, parts, fetched } = await splitEngine();
  const posted = [];
  const tasks = [];
  let viewArrives = null;
  const runner = new EngineRunner({
    post: (message) => posted.push(message),
    now: () => performance.now(),
    schedule: (fn) => tasks.push(fn),
    load: async (_url, _compiles, split) => {
      assert.equal(split, true);
      return engine;
    },
    partsReady: (names) => {
      const missing = names.filter((name) => !parts.has(name));
      if (missing.length === 0) return null;
      // the page hands the view part over once the engine runs; the worker fetches the rest itself
      viewArrives ??= new Promise((resolve) => setTimeout(resolve, 20)).then(() => {
        for (const name of missing) parts.provide(name, modules[name]);
      });
      return viewArrives;
    },
  });
  let id = 0;
  const send = async (request) => {
    await runner.handle({ ...request, id: ++id });
    return posted.findLast((m) => m.id === id);
  };
  const drain = async () => {
    for (let guard = 0; guard < 1000; ++guard) {
      if (tasks.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (tasks.length === 0) return;
      }
      tasks.shift()();
    }
  };

  assert.equal((await send({ type: 'init', engineUrl: 'engine', pageCompiles: true, split: true })).type, 'done');
  const configured = await send({ type: 'configure', config: DEFAULT_RUN });
  assert.equal(configured.type, 'done', configured.message);
  const first = posted.find((m) => m.type === 'snapshot');
  assert.ok(first, 'the first snapshot is posted with the configure');
  assert.deepEqual(parts.loaded(), {}, 'the first heatmap needs the start part alone');
  assert.deepEqual(first.snapshot.references, [], 'references deferred');

  // the first tick waits for the view part, then solves the references
  await drain();
  assert.deepEqual(parts.loaded(), { view: 'provided' });
  const solved = posted.findLast((m) => m.type === 'snapshot');
  assert.equal(solved.snapshot.references.length, 2, 'Frobenius and nuclear references');
  await send({ type: 'step', count: 500 });
  await drain();
  await send({ type: 'lr', lr: 0.05 });
  await send({ type: 'step', count: 100 });
  await drain();
  const trained = posted.findLast((m) => m.type === 'snapshot' || m.type === 'done');
  assert.equal(trained.state.step, 600);
  assert.deepEqual(fetched, [], 'no part fetched synchronously');

  // the same run on attnsvm.wasm: the same numbers
  const reference = new whole.Session(DEFAULT_RUN);
  reference.step(500);
  reference.setLr(0.05);
  reference.step(100);
  const last = await send({ type: 'snapshot', history: true });
  assert.ok(same(last.snapshot, reference.snapshot({ history: true })), 'the split engine computes what attnsvm.wasm computes');
  reference.delete();
});

test('runs other than the first view load the rest part, and agree with attnsvm.wasm bit for bit', async () => {
  const { engine, parts, fetched } = await splitEngine();
  const configs = [
    { model: { param: 'KQ' }, optimizer: { kind: 'gd', lr: 0.5 }, svm: { norms: ['fro', 'nuc'], tokens: 'selected' } },
    { optimizer: { kind: 'md', p: 1.75, lr: 0.1 }, svm: { norms: ['lp', 'l1diag'], p: 1.75 } },
    { model: { param: 'multihead', heads: 2 }, loss: 'exponential', optimizer: { kind: 'polyak' }, svm: { norms: ['fro'] } },
    {
      data: { kind: 'toy', name: 'mmts-joint' },
      model: { param: 'prompt' },
      optimizer: { kind: 'flow', lr: 0.1 },
      svm: { norms: ['fro'] },
    },
    {
      data: { kind: 'clusters', n: 12, T: 6, d: 5, test_n: 4 },
      model: { decoder: 'trained', init: { kind: 'zero' } },
      optimizer: { kind: 'gd', lr: 0.2 },
    },
  ];
  for (const config of configs) {
    const a = new engine.Session(config).step(200);
    const b = new whole.Session(config).step(200);
    assert.ok(same(a.snapshot(), b.snapshot()), JSON.stringify(config));
    assert.ok(same(a.testOutputs() ?? [], b.testOutputs() ?? []));
    a.delete();
    b.delete();
  }
  const summaries = [engine, whole].map((e) => {
    const ensemble = new e.Ensemble(DEFAULT_RUN, { members: 3, iterations: 100, points: 8 });
    while (!ensemble.advance(1000));
    const summary = ensemble.summary();
    ensemble.delete();
    return summary;
  });
  assert.ok(same(summaries[0], summaries[1]), 'ensembles');
  for (const e of [engine, whole]) assert.throws(() => new e.Session({ optimizer: { lr: -1 } }), /optimizer\.lr: must be > 0/);
  const csv = 'seq,token,y,x1,x2,z1,z2\n0,0,1,1,0,1,0\n0,1,1,0,1,1,0\n1,0,-1,0.5,0.5,0,1\n1,1,-1,-1,0,0,1\n';
  assert.deepEqual(engine.parseDataset(csv, 'csv', 'cross'), whole.parseDataset(csv, 'csv', 'cross'));
  assert.deepEqual(parts.loaded(), { view: 'fetched', rest: 'fetched' });
  assert.deepEqual(fetched.sort(), ['rest', 'view']);
});
