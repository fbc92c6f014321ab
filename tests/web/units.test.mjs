// The pure page modules under Node, compiled from web/src by tsc into a temporary folder: the URL
// schema's new fields and `<key>_hide=1` flags round-trip; the declarative goal checker; the PNG tEXt
// chunk (a valid chunk with a correct CRC); the message API's validation of commands; uploaded datasets kept
// outside the URL and read into inline configs by the page (the state module reads no storage).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { compilePageModules } from './helpers.mjs';

let state, checker, png, api, exercises, recovery, presets, datastore, cleanup;

before(async () => {
  const names = ['state', 'classroom/checker', 'png', 'embed/api', 'exercises', 'recovery', 'presets', 'datastore'];
  ({
    modules: [state, checker, png, api, exercises, recovery, presets, datastore],
    cleanup,
  } = await compilePageModules(names));
});

after(() => cleanup?.());

describe('state schema: embed, classroom and display fields', () => {
  test('the new fields and the hide flags round-trip through the URL', () => {
    const s = state.withChanges(state.DEFAULTS, {
      embed: true,
      views: ['heatmap', 'corr'],
      controls: 'none',
      autoplay: false,
      origins: 'https://a.example,https://b.example',
      exercise: 'find-p',
      cmap: 'cividis',
      hide: ['opt', 'lr', 'play'], // in the schema's order, as fromQuery returns them
    });
    const query = state.toQuery(s);
    assert.match(query, /lr_hide=1/);
    assert.match(query, /opt_hide=1/);
    assert.match(query, /play_hide=1/);
    assert.doesNotMatch(query, /(^|&)hide=/);
    assert.deepEqual(state.fromQuery(query), s);
    assert.equal(state.toQuery(state.DEFAULTS), '', 'the defaults stay out of the URL');
  });

  test('unknown hide names and bad values fall back to the defaults', () => {
    const s = state.fromQuery('nonsense_hide=1&lr_hide=yes&views=heatmap,bogus&controls=most&cmap=jet&seed_hide=true');
    assert.deepEqual(s.hide, ['seed']);
    assert.deepEqual(s.views, []);
    assert.equal(s.controls, 'min');
    assert.equal(s.cmap, 'viridis');
  });

  test('every exercise is a valid state with a goal on reported metrics and a solution that changes it', () => {
    assert.ok(exercises.EXERCISES.length >= 8);
    const ids = new Set();
    for (const e of exercises.EXERCISES) {
      assert.ok(!ids.has(e.id), `duplicate id ${e.id}`);
      ids.add(e.id);
      const start = state.withChanges(state.DEFAULTS, e.state);
      assert.deepEqual(state.fromQuery(state.toQuery(start)), start, `${e.id}: its state survives the URL`);
      assert.ok(e.goal.all.length > 0 && e.goal.maxStep > 0, e.id);
      assert.ok(e.hints.length >= 1 && e.answer.length > 40, e.id);
      const solved = state.withChanges(start, e.solution);
      assert.ok(state.changedFields(start, solved).length > 0, `${e.id}: the solution changes the state`);
      for (const h of start.hide) assert.ok(state.HIDEABLE.includes(h), `${e.id}: hides ${h}`);
    }
  });
});

describe('state schema: a preset in the URL', () => {
  test("sets the preset's state; the other fields of the URL override it; a link is the preset and what differs", () => {
    for (const p of presets.PRESETS) {
      const s = state.withChanges(state.DEFAULTS, { ...p.state, preset: p.id });
      assert.deepEqual(state.presetState(p.id), s, p.id);
      assert.deepEqual(state.fromQuery(`preset=${p.id}`), s, `${p.id}: from the URL`);
      assert.equal(state.toQuery(s), `preset=${p.id}`, `${p.id}: its link names only the preset`);
      assert.deepEqual(state.toConfig(state.fromQuery(`preset=${p.id}`)), state.toConfig(s), `${p.id}: the config`);
    }
    const p3 = state.fromQuery('preset=md-p3&lr=0.05');
    assert.deepEqual(p3, state.withChanges(state.presetState('md-p3'), { lr: 0.05 }));
    assert.equal(p3.optimizer, 'md');
    assert.equal(p3.p, 3);
    assert.equal(state.toQuery(p3), 'preset=md-p3&lr=0.05');
    // a field set back to the default value differs from the preset: it stays in the link
    const back = state.withChanges(state.presetState('md-fashion'), { kind: 'gaussian-unit' });
    assert.deepEqual(state.fromQuery(state.toQuery(back)), back);
    assert.match(state.toQuery(back), /^preset=md-fashion&data=gaussian-unit/);
    // an unknown preset names the defaults, and its text stays
    assert.deepEqual(state.fromQuery('preset=nope&lr=0.5'), state.withChanges(state.DEFAULTS, { preset: 'nope', lr: 0.5 }));
  });

  test("a setState naming a preset replaces the run with the preset's (and the fields given with it)", () => {
    const command = api.parseCommand({
      source: 'attention-svm-playground',
      version: 1,
      type: 'setState',
      state: { preset: 'md-p3', lr: 0.05 },
    });
    assert.deepEqual(command, { type: 'setState', query: 'preset=md-p3&lr=0.05', replace: false });
  });
});

/** A snapshot-like object with a recorded history. */
function snap(step, columns, rows) {
  const history = { step: Float64Array.from(rows.map((r) => r.step)) };
  for (const c of columns) history[c] = Float64Array.from(rows.map((r) => r[c] ?? NaN));
  const last = rows[rows.length - 1];
  return { step, columns, metrics: Object.fromEntries(columns.map((c) => [c, last[c] ?? NaN])), history };
}

describe('the goal checker', () => {
  const goal = { all: [{ metric: 'corr_fro', op: '>=', value: 0.99 }], maxStep: 500 };
  test('met at the first recorded step where every condition holds within the window', () => {
    const s = snap(
      800,
      ['corr_fro'],
      [
        { step: 0, corr_fro: 0.3 },
        { step: 300, corr_fro: 0.991 },
        { step: 800, corr_fro: 0.999 },
      ],
    );
    assert.deepEqual(checker.checkGoal(goal, s), { status: 'met', step: 300, missing: [], values: [0.999] });
  });
  test('unmet before the limit, missed after it, unavailable without the metric', () => {
    assert.equal(checker.checkGoal(goal, snap(400, ['corr_fro'], [{ step: 400, corr_fro: 0.9 }])).status, 'unmet');
    assert.equal(
      checker.checkGoal(
        goal,
        snap(
          600,
          ['corr_fro'],
          [
            { step: 300, corr_fro: 0.9 },
            { step: 600, corr_fro: 0.995 },
          ],
        ),
      ).status,
      'missed',
    );
    const r = checker.checkGoal(goal, snap(10, ['loss'], [{ step: 10, loss: 1 }]));
    assert.equal(r.status, 'unavailable');
    assert.deepEqual(r.missing, ['corr_fro']);
  });
  test('NaN never meets a condition; minStep and several conditions', () => {
    const g = {
      all: [
        { metric: 'a', op: '<', value: 1 },
        { metric: 'b', op: '>', value: 2 },
      ],
      minStep: 10,
    };
    assert.equal(
      checker.checkGoal(
        g,
        snap(
          20,
          ['a', 'b'],
          [
            { step: 5, a: 0, b: 3 },
            { step: 20, a: NaN, b: 3 },
          ],
        ),
      ).status,
      'unmet',
    );
    assert.equal(
      checker.checkGoal(
        g,
        snap(
          30,
          ['a', 'b'],
          [
            { step: 5, a: 0, b: 3 },
            { step: 30, a: 0.5, b: 2.5 },
          ],
        ),
      ).step,
      30,
    );
    assert.equal(checker.goalInWords(goal), 'corr_fro ≥ 0.99 within 500 steps');
  });
});

describe('PNG tEXt chunk', () => {
  /** CRC-32 bit by bit (independent of the table in png.ts). */
  function crc(bytes) {
    let c = ~0;
    for (const b of bytes) {
      c ^= b;
      for (let k = 0; k < 8; ++k) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  }
  test('inserted after IHDR, with length, type, keyword, text and a correct CRC', () => {
    // a minimal PNG prefix: signature + IHDR chunk + IEND
    const ihdr = [0, 0, 0, 13, ...Buffer.from('IHDR'), 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0];
    const ihdrCrc = crc(Uint8Array.from(ihdr.slice(4)));
    const iend = [0, 0, 0, 0, ...Buffer.from('IEND'), 0xae, 0x42, 0x60, 0x82];
    const bytes = Uint8Array.from([
      137,
      80,
      78,
      71,
      13,
      10,
      26,
      10,
      ...ihdr,
      ihdrCrc >>> 24,
      (ihdrCrc >>> 16) & 255,
      (ihdrCrc >>> 8) & 255,
      ihdrCrc & 255,
      ...iend,
    ]);
    const url = 'http://example.org/p/?lr=0.5&opt=gd';
    const out = Buffer.from(png.withTextChunk(bytes, 'URL', url));
    assert.equal(out.length, bytes.length + 12 + 4 + url.length);
    const at = 33;
    const length = out.readUInt32BE(at);
    assert.equal(length, 4 + url.length);
    assert.equal(out.subarray(at + 4, at + 8).toString('latin1'), 'tEXt');
    assert.equal(out.subarray(at + 8, at + 8 + length).toString('latin1'), `URL\0${url}`);
    assert.equal(out.readUInt32BE(at + 8 + length), crc(out.subarray(at + 4, at + 8 + length)));
    assert.deepEqual([...out.subarray(out.length - 12)], iend);
  });
});

describe('message API validation', () => {
  const msg = (m) => ({ source: 'attention-svm-playground', version: 1, ...m });
  test('well-formed commands parse', () => {
    assert.deepEqual(api.parseCommand(msg({ type: 'play' })), { type: 'play' });
    assert.deepEqual(api.parseCommand(msg({ type: 'step', count: 5, id: 7 })), { type: 'step', count: 5, id: 7 });
    assert.deepEqual(api.parseCommand(msg({ type: 'step' })), { type: 'step', count: 1 });
    assert.deepEqual(
      api.parseCommand(msg({ type: 'setState', state: { lr: 0.5, opt: 'gd', nmd: true, svm: ['fro', 'lp'], lr_hide: 1 } })),
      {
        type: 'setState',
        query: 'lr=0.5&opt=gd&nmd=1&svm=fro%2Clp&lr_hide=1',
        replace: false,
      },
    );
    assert.equal(api.parseCommand(msg({ type: 'setState', state: '?n=5&T=4', replace: true })).query, 'n=5&T=4');
  });
  test('anything else is ignored', () => {
    for (const bad of [
      null,
      'play',
      { type: 'play' },
      msg({ version: 2, type: 'play' }),
      msg({ type: 'fly' }),
      msg({ type: 'play', id: { x: 1 } }),
      msg({ type: 'step', count: 0 }),
      msg({ type: 'step', count: 2.5 }),
      msg({ type: 'step', count: 1e9 }),
      msg({ type: 'setState' }),
      msg({ type: 'setState', state: { nope: 1 } }),
      msg({ type: 'setState', state: { lr: 'fast' } }),
      msg({ type: 'setState', state: { opt: 'adam' } }),
      msg({ type: 'setState', state: { lr: [1] } }),
      msg({ type: 'setState', state: 'bogus_hide=1' }),
      msg({ type: 'setState', state: { lr: 1 }, replace: 'yes' }),
    ])
      assert.equal(api.parseCommand(bad), null, JSON.stringify(bad));
  });
  test('allowedOrigins lists', () => {
    assert.deepEqual(api.allowedOrigins(''), []);
    assert.deepEqual(api.allowedOrigins('https://a.org/, https://b.org  http://c:8080'), [
      'https://a.org',
      'https://b.org',
      'http://c:8080',
    ]);
  });
});

describe('worker-crash recovery', () => {
  test('at most 3 restarts within a minute; older ones leave the window', () => {
    const budget = new recovery.RestartBudget();
    assert.deepEqual(
      [0, 1000, 2000, 3000].map((t) => budget.take(t)),
      [true, true, true, false],
    );
    assert.equal(budget.take(59_999), false, 'still three within the minute');
    assert.equal(budget.take(60_000), true, 'the first restart left the window');
    assert.equal(budget.take(60_001), false);
  });
});

describe('uploaded datasets (datastore.ts) and the configs of inline runs', () => {
  test('an uploaded dataset too large for a URL is referenced, and a missing one is named', () => {
    const small = JSON.stringify({ X: [[[1]]], y: [1], z: [[1]] });
    const inline = (ds) => state.withChanges(state.DEFAULTS, { kind: 'inline', inline: ds });
    assert.equal(state.toConfig(inline(small), datastore.resolveDataset).data.X[0][0][0], 1);
    const large = JSON.stringify({ X: [[[1, 2]]], y: [1], z: [[1, 2]], pad: 'x'.repeat(datastore.URL_DATASET_CHARS) });
    const kept = datastore.keepDataset(large); // Node has no sessionStorage: the page keeps it
    assert.deepEqual(kept, { inline: kept.inline, where: 'page' });
    assert.match(kept.inline, /^upload:[0-9a-f]{8}$/);
    assert.deepEqual(state.toConfig(inline(kept.inline), datastore.resolveDataset).data.X, [[[1, 2]]]);
    assert.throws(
      () => state.toConfig(inline('upload:0badf00d'), datastore.resolveDataset),
      /^Error: ds: the uploaded dataset upload:0badf00d is not in this browser tab/,
    );
  });

  test('the state module reads no storage: toConfig takes the inline dataset from its reader', () => {
    const json = JSON.stringify({ X: [[[3]]], y: [1], z: [[1]] });
    const seen = [];
    const config = state.toConfig(
      state.withChanges(state.DEFAULTS, { kind: 'inline', inline: 'upload:0badf00d' }),
      (ds) => (seen.push(ds), json),
    );
    assert.deepEqual(seen, ['upload:0badf00d']);
    assert.equal(config.data.X[0][0][0], 3);
  });
});

describe('state schema: Fashion-MNIST fields', () => {
  test("the fields round-trip through the URL and make the core's data config (T = grid², no synthetic fields)", () => {
    const s = state.withChanges(state.DEFAULTS, {
      kind: 'fashion-mnist',
      classNeg: 'trouser',
      classPos: 'sneaker',
      n: 1500,
      testN: 80,
      grid: 7,
      positional: 0.5,
      d: 12,
    });
    const query = state.toQuery(s);
    assert.match(query, /cneg=trouser&cpos=sneaker&tn=80&grid=7&pos=0\.5/);
    assert.deepEqual(state.fromQuery(query), s);
    const config = state.toConfig(s);
    assert.deepEqual(config.data, {
      kind: 'fashion-mnist',
      seed: 1,
      query: 'cross',
      classes: [1, 7],
      n: 1500,
      test_n: 80,
      d: 12,
      grid: 7,
      positional: 0.5,
    });
    assert.ok(config.run.max_history < state.toConfig(state.DEFAULTS).run.max_history, 'fewer recorded rows for images');
    const visible = (name) => state.field(name).visible?.(s) ?? true;
    assert.ok(['classNeg', 'classPos', 'testN', 'grid', 'positional', 'n', 'd'].every(visible));
    assert.ok(!['T', 'noise', 'toy'].some(visible));
    assert.ok(!['classNeg', 'testN', 'grid'].some((name) => state.field(name).visible(state.DEFAULTS)), 'hidden for synthetic data');
  });
});
