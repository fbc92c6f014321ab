// The claims of the presets and exercises (web/src/claims.ts) against the committed table: every claim is
// well formed and measured, docs/reproductions.{json,md}, web/public/reproductions.html and the page's numbers
// are exactly what scripts/reproduce.mjs makes of them, every row holds or says why not, and the quick claims
// re-measured natively (build/native/attnsvm) give the committed numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  definition,
  loadPageModules,
  owners,
  pageNumbers,
  paths,
  renderHtml,
  renderMarkdown,
  reproduce,
} from '../../scripts/reproduce.mjs';

const modules = await loadPageModules();
const full = JSON.parse(readFileSync(paths.full, 'utf8'));
const METRIC = /^[a-z0-9_.]+$/;

test('every claim is well formed, and every {id} in a text names a claim of its own', () => {
  const { PRESETS } = modules.presets;
  const { EXERCISES } = modules.exercises;
  const texts = [
    ...PRESETS.map((p) => ({ owner: p.id, text: p.text, claims: p.claims ?? [] })),
    ...EXERCISES.map((e) => ({ owner: `exercise:${e.id}`, text: e.question + e.answer, claims: e.claims ?? [] })),
  ];
  for (const { owner, text, claims } of texts) {
    const ids = claims.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, `${owner}: claim ids are unique`);
    for (const c of claims) {
      const where = `${owner}/${c.id}`;
      assert.match(c.id, /^[a-z0-9_-]+$/, where);
      assert.ok(c.says.length > 10, `${where}: says what it checks`);
      assert.match(c.metric, METRIC, where);
      assert.ok(['>=', '<='].includes(c.op), `${where}: op`);
      assert.ok(Number.isFinite(c.value), `${where}: value`);
      assert.ok(Number.isInteger(c.step) && c.step >= 1, `${where}: step`);
      assert.ok(Number.isInteger(c.seeds) && c.seeds >= 1 && c.seeds <= 1000, `${where}: seeds`);
      assert.ok([undefined, 'mean', 'first', 'slope'].includes(c.stat), `${where}: stat`);
      if (c.stat === 'slope') assert.ok(c.from >= 1 && c.from < c.step, `${where}: a slope needs from < step`);
    }
    for (const id of modules.claims.placeholders(text))
      assert.ok(ids.includes(id), `${owner}: the text quotes {${id}}, which is no claim of its own`);
  }
});

test('the committed table is current: the same claims and settings, rendered by the code', () => {
  const expected = owners(modules).flatMap((o) =>
    o.claims.map((c) => ({ key: `${o.key}/${c.id}`, claim: definition(c), config: modules.state.toConfig(o.base, (ds) => ds) })),
  );
  assert.deepEqual(
    full.claims.map((r) => r.key),
    expected.map((e) => e.key),
    'docs/reproductions.json has every claim, in order (run npm run reproduce)',
  );
  for (const [k, e] of expected.entries()) {
    assert.deepEqual(full.claims[k].claim, e.claim, `${e.key}: the claim changed since the table was made (npm run reproduce)`);
    assert.deepEqual(full.claims[k].config, e.config, `${e.key}: the setting changed since the table was made (npm run reproduce)`);
  }
  assert.equal(readFileSync(paths.markdown, 'utf8'), renderMarkdown(full, modules), 'docs/reproductions.md');
  assert.equal(readFileSync(paths.html, 'utf8'), renderHtml(full, modules), 'web/public/reproductions.html');
  assert.deepEqual(JSON.parse(readFileSync(paths.page, 'utf8')), pageNumbers(full), 'web/src/reproductions.json');
});

test("every row holds, or says plainly why the paper's claim does not reproduce here", () => {
  for (const r of full.claims) {
    if (r.holds) assert.equal(r.claim.fails, undefined, `${r.key} holds: its "fails" reason is stale`);
    else assert.ok(r.claim.fails?.length > 20, `${r.key} does not hold and does not say why`);
  }
});

test('the quick claims, re-measured natively, give the committed numbers', () => {
  const quick = full.claims.filter((r) => r.claim.quick).map((r) => r.key);
  assert.ok(quick.length >= 5, `at least 5 quick claims (found ${quick.length})`);
  const again = reproduce(modules, { only: quick });
  const close = (a, b, what) =>
    a === null || b === null || a === undefined || b === undefined
      ? assert.equal(a ?? null, b ?? null, what)
      : assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  for (const r of again.claims) {
    const committed = full.claims.find((c) => c.key === r.key);
    close(r.value, committed.value, `${r.key} value`);
    close(r.std, committed.std, `${r.key} std`);
    assert.equal(r.count, committed.count, `${r.key} count`);
    assert.equal(r.holds, committed.holds, `${r.key} holds`);
  }
});
