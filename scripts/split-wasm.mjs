// Cuts the engine's wasm into the three parts the page loads (wasm/parts.mjs, docs/design.md §8), by
// what the page's default first view runs, measured on the module itself:
//   1. binaryen's wasm-split --instrument records which functions a run calls;
//   2. two profiled runs of build/wasm's engine: START (what the worker does for the page's first heatmap
//      of its default run: the session with its references deferred, its data, its first snapshot) and
//      VIEW (START, then what the rest of that first view does: the references, training at 'max' past the
//      history's decimation, the step size slider, snapshots, a reset);
//   3. wasm-split twice: the functions VIEW called / the rest, then of those the ones START called / the
//      others: attnsvm.start.wasm, attnsvm.view.wasm, attnsvm.rest.wasm next to attnsvm.wasm;
//   4. a check: each run through the parts loads only the parts it should, and the split engine computes
//      what attnsvm.wasm computes, bit for bit, on these and on runs that need the rest part.
// attnsvm.wasm stays whole (Node, tests, and anyone loading the engine without the parts).
//
//   node scripts/split-wasm.mjs [BUILD_DIR=build/wasm]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The page's default run: what web/src/state.ts's toConfig(DEFAULTS) sends (tests/web/presets.test.mjs checks). */
export const DEFAULT_RUN = {
  data: { kind: 'gaussian-unit', seed: 1, query: 'cross', n: 6, T: 8, d: 10 },
  model: { param: 'W', decoder: 'fixed', init: { kind: 'gaussian', std: 0.01, seed: 1 } },
  loss: 'logistic',
  optimizer: { kind: 'ngd', lr: 0.1 },
  svm: { norms: ['fro', 'nuc'], p: 1.75, tokens: 'optimal' },
  run: { record_every: 1, max_history: 2048 },
};

/** What the engine worker calls for the first heatmap (web/src/engine/runner.ts configure; tests/wasm/split.test.mjs
 * runs the runner itself on the parts and checks that its first configure needs no other part). */
export function startRun(engine) {
  const session = new engine.Session(DEFAULT_RUN, { deferReferences: true });
  void session.iteration;
  void session.referencesDeferred;
  session.dataset();
  session.images();
  session.config();
  session.metricNames();
  session.snapshot({ history: true });
  return session;
}

/** What the rest of the default first view calls: references, training, snapshots, the lr slider, a reset. */
export function viewRun(engine) {
  const session = startRun(engine);
  session.solveReferences();
  session.snapshot({ history: true });
  for (let k = 0; k < 60; ++k) {
    session.step(100);
    session.snapshot({ history: k % 2 === 0 });
  }
  session.setLr(0.05);
  session.step(100);
  session.snapshot({ history: true });
  session.delete();
  startRun(engine).delete(); // reset: a new session replaces the old one
}

const RUNS = { start: startRun, view: viewRun };

/** Runs other than the first view's (they load the rest part): training, solvers and data elsewhere. */
const OTHER_RUNS = [
  { model: { param: 'KQ' }, optimizer: { kind: 'gd', lr: 0.5 }, svm: { norms: ['fro', 'nuc'] } },
  { optimizer: { kind: 'md', p: 1.75, lr: 0.1 }, svm: { norms: ['lp', 'l1diag'], p: 1.75 } },
  { model: { param: 'multihead', heads: 2 }, optimizer: { kind: 'polyak' }, svm: { norms: ['fro'] } },
  { data: { kind: 'toy', name: 'tfsvm-2d' }, optimizer: { kind: 'flow', lr: 0.1 }, svm: { norms: ['fro'] } },
];

const run = (command, args) => execFileSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });

/** The defined functions (indices, as binaryen names unnamed ones) a profile of wasm-split --instrument saw called. */
function calledFunctions(profile) {
  const called = [];
  for (let k = 0; 8 + 4 * k + 4 <= profile.length; ++k) if (profile.readUInt32LE(8 + 4 * k) !== 0) called.push(k);
  return called;
}

/** The profile of `workload` on the instrumented module: its engine loaded through build/wasm/index.mjs. */
async function profileOf(loadEngine, instrumented, workload) {
  let instance;
  const engine = await loadEngine({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(instrumented, imports).then((result) => {
        instance = result.instance;
        receive(result.instance, result.module);
      });
      return {};
    },
  });
  workload(engine);
  const memory = Object.values(instance.exports).find((value) => value instanceof WebAssembly.Memory);
  const at = memory.grow(1) * 65536; // a fresh page for the profile, past everything the engine uses
  const size = instance.exports.__write_profile(at, 65536);
  return Buffer.from(new Uint8Array(memory.buffer, at, size));
}

/** The module with its table imports declaring no maximum (the second split grows the start part's table). */
function withoutTableMaximum(bytes) {
  let at = 8;
  const u32 = () => {
    let result = 0,
      shift = 0,
      byte;
    do {
      byte = bytes[at++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return result;
  };
  const leb = (n) => {
    const out = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n) byte |= 0x80;
      out.push(byte);
    } while (n);
    return out;
  };
  const parts = [bytes.subarray(0, 8)];
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = u32();
    const end = at + size;
    if (id !== 2) {
      parts.push(Buffer.from([id, ...leb(size)]), bytes.subarray(at, end));
      at = end;
      continue;
    }
    const body = [];
    const count = u32();
    body.push(...leb(count));
    for (let k = 0; k < count; ++k) {
      const from = at;
      for (let name = 0; name < 2; ++name) {
        const length = u32(); // module, then field name
        at += length;
      }
      const kind = bytes[at++];
      body.push(...bytes.subarray(from, at));
      if (kind === 1) {
        const type = bytes[at++];
        const flags = u32();
        const min = u32();
        if (flags & 1) u32();
        body.push(type, 0, ...leb(min)); // limits without a maximum
        continue;
      }
      const rest = at;
      if (kind === 0) u32();
      else if (kind === 2) {
        const flags = u32();
        u32();
        if (flags & 1) u32();
      } else if (kind === 3) at += 2;
      else if (kind === 4) {
        at++;
        u32();
      }
      body.push(...bytes.subarray(rest, at));
    }
    parts.push(Buffer.from([2, ...leb(body.length)]), Buffer.from(body));
    at = end;
  }
  return Buffer.concat(parts);
}

/** The custom section of the start part that says which table slots each other part fills (wasm/parts.mjs). */
const SLOTS_SECTION = 'attnsvm.parts';

/** Sorted integers as [first, last] runs. */
function ranges(numbers) {
  const out = [];
  for (const n of [...numbers].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}

/** The module with a custom section `name` holding `text` appended. */
function withCustomSection(bytes, name, text) {
  const leb = (n) => {
    const out = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n) byte |= 0x80;
      out.push(byte);
    } while (n);
    return Buffer.from(out);
  };
  const payload = Buffer.concat([leb(Buffer.byteLength(name)), Buffer.from(name), Buffer.from(text)]);
  return Buffer.concat([bytes, Buffer.from([0]), leb(payload.length), payload]);
}

/** Every number a session shows, for a bit-for-bit comparison of two engines. */
function fingerprint(session) {
  const s = session.snapshot({ history: true });
  const numbers = [];
  const walk = (value) => {
    if (typeof value === 'number') numbers.push(value);
    else if (ArrayBuffer.isView(value)) numbers.push(...value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') for (const key of Object.keys(value).sort()) walk(value[key]);
  };
  walk(s);
  return Buffer.from(new Float64Array(numbers).buffer).toString('base64');
}

async function main() {
  const dir = resolve(process.argv[2] ?? 'build/wasm');
  const whole = join(dir, 'attnsvm.wasm');
  const { loadEngine } = await import(pathToFileURL(join(dir, 'index.mjs')).href);
  const { EngineParts, partFile } = await import(pathToFileURL(join(dir, 'parts.mjs')).href);
  const tmp = mkdtempSync(join(tmpdir(), 'attnsvm-split-'));
  try {
    const file = (name) => join(tmp, name);
    // without a name section binaryen names every function by its index, the names the keep lists use
    run('wasm-opt', ['-all', '--strip-debug', whole, '-o', file('whole.wasm')]);
    run('wasm-split', ['--instrument', '-all', file('whole.wasm'), '-o', file('instrumented.wasm')]);
    const instrumented = readFileSync(file('instrumented.wasm'));
    const keep = {};
    for (const [name, workload] of Object.entries(RUNS)) {
      keep[name] = calledFunctions(await profileOf(loadEngine, instrumented, workload));
      writeFileSync(file(`${name}.keep`), keep[name].join('\n') + '\n');
    }
    // whole → (start + view) | rest, then (start + view) → start | view. The first split keeps binaryen's
    // names (the functions' indices in attnsvm.wasm) so that the second can name the same functions.
    const split = (keep, input, primary, secondary, extra = []) =>
      run('wasm-split', [
        '--split',
        '-all',
        ...extra,
        '--placeholdermap',
        `--keep-funcs=@${file(keep)}`,
        '-o1',
        file(primary),
        '-o2',
        file(secondary),
        file(input),
      ]);
    split('view.keep', 'whole.wasm', 'first.wasm', 'rest.wasm', ['-g']);
    split('start.keep', 'first.wasm', 'start.wasm', 'view.wasm');
    run('wasm-opt', ['-all', '--strip-debug', file('rest.wasm'), '-o', file('rest.wasm')]);
    // which table slots each part fills (wasm-split's placeholder maps), in a custom section of the start part
    const slots = (map) =>
      readFileSync(file(map), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => Number(line.slice(0, line.indexOf(':'))));
    const partSlots = { view: ranges(slots('start.wasm.placeholders')), rest: ranges(slots('first.wasm.placeholders')) };
    const bytes = {
      start: withCustomSection(readFileSync(file('start.wasm')), SLOTS_SECTION, JSON.stringify(partSlots)),
      view: readFileSync(file('view.wasm')),
      rest: withoutTableMaximum(readFileSync(file('rest.wasm'))),
    };

    // the check, on the parts as they will be shipped
    const modules = Object.fromEntries(Object.entries(bytes).map(([name, b]) => [name, new WebAssembly.Module(b)]));
    const reference = await loadEngine({ wasmBinary: readFileSync(whole) });
    const splitEngine = async () => {
      const parts = new EngineParts(modules.start, (name) => modules[name]);
      return { parts, engine: await Promise.race([loadEngine({ instantiateWasm: parts.instantiateWasm }), parts.failed]) };
    };
    const expect = (what, parts, wanted) => {
      const got = JSON.stringify(parts.loaded());
      if (got !== JSON.stringify(wanted))
        throw new Error(`split-wasm: ${what} loaded the parts ${got}, expected ${JSON.stringify(wanted)}`);
    };
    {
      const { parts, engine } = await splitEngine();
      const session = startRun(engine);
      expect('the first heatmap', parts, {});
      if (fingerprint(session) !== fingerprint(startRun(reference))) throw new Error('split-wasm: the first snapshot differs');
      session.delete();
      viewRun(engine);
      expect('the first view', parts, { view: 'fetched' });
    }
    {
      const { parts, engine } = await splitEngine();
      for (const config of [DEFAULT_RUN, ...OTHER_RUNS]) {
        const [a, b] = [engine, reference].map((e) => new e.Session(config).step(300));
        if (fingerprint(a) !== fingerprint(b)) throw new Error(`split-wasm: the split engine differs on ${JSON.stringify(config)}`);
      }
      const ensembles = [engine, reference].map((e) => {
        const ensemble = new e.Ensemble(DEFAULT_RUN, { members: 3, iterations: 100, points: 8 });
        while (!ensemble.advance(1000));
        return JSON.stringify(ensemble.summary(), (_, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v));
      });
      if (ensembles[0] !== ensembles[1]) throw new Error('split-wasm: the split engine differs on an ensemble');
      expect('the other runs', parts, { view: 'fetched', rest: 'fetched' });
    }

    const sizes = [];
    for (const [name, b] of Object.entries(bytes)) {
      writeFileSync(join(dir, partFile(name)), b);
      sizes.push(`${partFile(name)} ${(gzipSync(b, { level: 9 }).length / 1000).toFixed(1)} KB`);
    }
    const wholeGz = gzipSync(readFileSync(whole), { level: 9 }).length;
    console.log(
      `split-wasm: ${sizes.join(', ')} gzipped (attnsvm.wasm ${(wholeGz / 1000).toFixed(1)} KB; ` +
        `${keep.start.length} functions in the start part, ${keep.view.length - keep.start.length} in the view part)`,
    );
  } finally {
    if (!process.env.KEEP) rmSync(tmp, { recursive: true, force: true });
    else console.log(tmp);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
