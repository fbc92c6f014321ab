#!/usr/bin/env node
// npm run reproduce: runs every claim of every preset and exercise (web/src/claims.ts) through the native
// CLI's ensembles on all cores, and writes what it measured:
//   docs/reproductions.json        every claim's definition and measured numbers (the table's source)
//   docs/reproductions.md          the table: paper, figure, setting, claim, mean ± std over seeds, holds or not
//   web/public/reproductions.html  the same table for the page's "checked:" links
//   web/src/reproductions.json     the numbers the page quotes (key, value, std, count, holds)
// `node scripts/reproduce.mjs --only KEY[,KEY…]` re-measures some claims and prints them (no files written);
// tests/claims/ uses the same functions to check that the committed table is the one the code produces.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { compilePageModules } from './page-modules.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const paths = {
  full: join(root, 'docs/reproductions.json'),
  markdown: join(root, 'docs/reproductions.md'),
  html: join(root, 'web/public/reproductions.html'),
  page: join(root, 'web/src/reproductions.json'),
};

/** Compiles the page's pure modules that hold the claims (presets, exercises, state, claims, mathml) for Node. */
export async function loadPageModules() {
  const { modules, cleanup } = await compilePageModules(['presets', 'exercises', 'state', 'claims', 'mathml'], {
    copy: ['reproductions.json'],
  });
  cleanup();
  const [presets, exercises, state, claims, mathml] = modules;
  return { presets, exercises, state, claims, mathml };
}

/**
 * Every owner of claims, in menu order: presets ("<id>") then exercises ("exercise:<id>"), each with its base
 * state (the preset's or the exercise's starting state on the defaults), its paper and its claims.
 */
export function owners(modules) {
  const { presets, exercises, state } = modules;
  const list = [];
  for (const p of presets.PRESETS)
    if (p.claims?.length) list.push({ key: p.id, title: p.title, paper: p.paper, base: state.presetState(p.id), claims: p.claims });
  for (const e of exercises.EXERCISES)
    if (e.claims?.length)
      list.push({
        key: `exercise:${e.id}`,
        title: `Exercise: ${e.title}`,
        paper: e.paper ?? 'Classroom exercises',
        base: state.withChanges(state.DEFAULTS, e.state),
        claims: e.claims,
      });
  return list;
}

/** The cartesian product of a claim's sweep (one empty combination without one). */
function combinations(sweep) {
  let combos = [{}];
  for (const [field, values] of Object.entries(sweep ?? {})) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [field]: v })));
  return combos;
}

/** Runs the native CLI's ensembles; one run per (config, seeds, horizon, points), cached. */
export class Runner {
  constructor(binary = process.env.ATTNSVM_BIN ?? join(root, 'build/native/attnsvm'), jobs = availableParallelism()) {
    this.binary = binary;
    this.jobs = jobs;
    this.dir = mkdtempSync(join(tmpdir(), 'attnsvm-reproduce-'));
    this.cache = new Map();
    this.runs = 0;
  }
  ensemble(config, seeds, horizon, points) {
    const key = JSON.stringify([config, seeds, horizon, points]);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const id = createHash('sha1').update(key).digest('hex').slice(0, 12);
    const configPath = join(this.dir, `${id}.config.json`);
    const outPath = join(this.dir, `${id}.out.json`);
    writeFileSync(configPath, JSON.stringify(config));
    const args = ['run', configPath, '--seeds', String(seeds), '--iterations', String(horizon), '--points', String(points)];
    args.push('--out', outPath, '--jobs', String(this.jobs));
    try {
      execFileSync(this.binary, args, { stdio: 'pipe' });
    } catch (e) {
      // exit 4: some members diverged; the summary of the others is still written (and counted below)
      if (e.status !== 4) throw new Error(`attnsvm ${args.join(' ')}: ${e.stderr?.toString().trim() || e.message}`);
    }
    const result = JSON.parse(readFileSync(outPath, 'utf8'));
    this.cache.set(key, result);
    this.runs += 1;
    return result;
  }
  close() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** How many grid points a statistic needs: 'first' every step it can (the grid is log-spaced), the others 60. */
function pointsFor(stat, step) {
  return stat === 'first' ? Math.min(1000, step + 1) : 60;
}

const meets = (x, op, value) => (op === '>=' ? x >= value : x <= value);

/** One side of a claim (a metric under a state): its statistic from the ensemble. */
function side(runner, state, toConfig, claim, metric) {
  const stat = claim.stat ?? 'mean';
  const config = toConfig(state, (ds) => ds);
  const e = runner.ensemble(config, claim.seeds, claim.step, pointsFor(stat, claim.step));
  if (!e.columns.includes(metric))
    throw new Error(`claim ${claim.id}: the engine has no metric "${metric}" (columns: ${e.columns.join(', ')})`);
  const steps = e.steps;
  const mean = e.mean[metric];
  const last = steps.length - 1;
  const count = e.count[metric][last];
  if (stat === 'mean') {
    const value = count > 0 ? mean[last] : null;
    return { value, std: count > 0 ? e.std[metric][last] : undefined, count };
  }
  if (stat === 'first') {
    const k = mean.findIndex((x, i) => e.count[metric][i] > 0 && meets(x, claim.op, claim.value));
    return { value: k < 0 ? null : steps[k], count };
  }
  // slope: log10 |mean| (the mean itself for log10_ columns) against log10 step, least squares over [from, step]
  const xs = [];
  const ys = [];
  steps.forEach((t, i) => {
    if (t < (claim.from ?? 1) || t > claim.step || e.count[metric][i] === 0) return;
    const y = metric.startsWith('log10_') ? mean[i] : Math.log10(Math.abs(mean[i]));
    if (Number.isFinite(y)) (xs.push(Math.log10(t)), ys.push(y));
  });
  if (xs.length < 2) return { value: null, count };
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  let sxy = 0;
  let sxx = 0;
  xs.forEach((x, i) => ((sxy += (x - mx) * (ys[i] - my)), (sxx += (x - mx) ** 2)));
  return { value: sxy / sxx, count };
}

/** Measures one claim (all its sweep combinations) of an owner. */
export function measure(runner, modules, owner, claim) {
  const { withChanges, toConfig } = modules.state;
  const cells = combinations(claim.sweep).map((combo) => {
    const state = withChanges(owner.base, { ...(claim.state ?? {}), ...combo });
    const a = side(runner, state, toConfig, claim, claim.metric);
    let cell = { at: combo, ...a };
    if (claim.versus) {
      const other = withChanges(owner.base, { ...(claim.state ?? {}), ...(claim.versus.state ?? {}), ...combo });
      const b = side(runner, other, toConfig, claim, claim.versus.metric ?? claim.metric);
      const value = a.value === null || b.value === null ? null : a.value - b.value;
      cell = { at: combo, value, count: Math.min(a.count, b.count), parts: [a, b] };
    }
    // 'first' is about the condition being met in time; the others compare the number with the threshold
    cell.holds = cell.value !== null && ((claim.stat ?? 'mean') === 'first' || meets(cell.value, claim.op, claim.value));
    return cell;
  });
  const holds = cells.every((c) => c.holds);
  if (!claim.sweep) return { ...cells[0], holds };
  // a swept claim reports its worst combination
  const values = cells.filter((c) => c.value !== null).map((c) => c.value);
  const worst = values.length === 0 ? null : claim.op === '>=' ? Math.min(...values) : Math.max(...values);
  return { value: worst, count: cells.reduce((n, c) => n + c.count, 0), holds, cells };
}

/** A claim's definition as the table records it (a changed definition makes the committed table stale). */
export function definition(claim) {
  return JSON.parse(JSON.stringify(claim));
}

/** Runs every claim (or those whose key is in `only`); returns the full results. */
export function reproduce(modules, { only, log = () => {} } = {}) {
  const runner = new Runner();
  const results = [];
  try {
    for (const owner of owners(modules))
      for (const claim of owner.claims) {
        const key = `${owner.key}/${claim.id}`;
        if (only && !only.includes(key)) continue;
        const started = Date.now();
        const m = measure(runner, modules, owner, claim);
        log(`${key}: ${m.value} ${m.holds ? 'holds' : 'DOES NOT HOLD'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        results.push({ key, owner: owner.key, claim: definition(claim), config: modules.state.toConfig(owner.base, (ds) => ds), ...m });
      }
  } finally {
    runner.close();
  }
  return { claims: results };
}

// ── rendering ──

const round = (x) =>
  x === null || x === undefined
    ? 'n/a'
    : Math.abs(x) !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)
      ? x.toExponential(2)
      : String(Number(x.toPrecision(3)));

/** The measured number of a result as the table shows it. */
function measuredText(claim, r) {
  const stat = claim.stat ?? 'mean';
  const seedsNote = (count, seeds) => (count < seeds ? ` (${count} of ${seeds} seeds finished)` : '');
  if (r.value === null) return stat === 'first' ? `never by step ${claim.step}` : 'no value';
  if (stat === 'first') return `step ${r.value}`;
  if (stat === 'slope') return `slope ${round(r.value)} (steps ${claim.from ?? 1}–${claim.step})`;
  if (r.parts)
    return `${round(r.value)} = ${round(r.parts[0].value)} ± ${round(r.parts[0].std)} − ${round(r.parts[1].value)} ± ${round(r.parts[1].std)}${seedsNote(r.count, claim.seeds)}`;
  if (r.cells) return `worst cell ${round(r.value)}`;
  return `${round(r.value)} ± ${round(r.std)}${seedsNote(r.count, claim.seeds)}`;
}

/** The statement checked, as a condition. */
function conditionText(claim) {
  const stat = claim.stat ?? 'mean';
  const metric = claim.versus
    ? `${claim.metric} − ${claim.versus.metric ?? claim.metric}${claim.versus.state ? ` (${changes(claim.versus.state)})` : ''}`
    : claim.metric;
  if (stat === 'first') return `mean ${claim.metric} ${claim.op} ${claim.value} by step ${claim.step}`;
  if (stat === 'slope') return `log–log slope of ${claim.metric} ${claim.op} ${claim.value}`;
  return `mean ${metric} ${claim.op} ${claim.value} at step ${claim.step}`;
}

const changes = (s) =>
  Object.entries(s ?? {})
    .map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join('/') : v}`)
    .join(', ');

/** The run's setting in a few words, from its engine config. */
function settingText(config, claim) {
  const d = config.data;
  const data =
    d.kind === 'toy' ? `toy ${d.name}` : d.kind === 'fashion-mnist' ? `Fashion-MNIST n${d.n}` : `${d.kind} n${d.n} T${d.T} d${d.d}`;
  const o = config.optimizer;
  const opt = `${o.kind}${o.lr !== undefined ? ` η=${o.lr}` : ''}${o.p !== undefined ? ` p=${o.p}` : ''}`;
  const m = config.model;
  const init = m.init.kind === 'gaussian' ? `init N(0, ${m.init.std}²)` : `init ${m.init.kind}`;
  const extra = claim.state ? `; ${changes(claim.state)}` : '';
  return `${data}, ${m.param}${m.heads ? ` H=${m.heads}` : ''}, ${opt}, ${init}, ${config.svm.tokens} tokens${extra}; ${claim.seeds} seed${claim.seeds > 1 ? 's' : ''}`;
}

/** The verdict cell. */
function verdict(claim, r) {
  if (r.holds) return 'holds';
  return `does not hold${claim.fails ? `: ${claim.fails}` : ''}`;
}

/** docs/reproductions.md from the full results and the owners (titles, papers). */
export function renderMarkdown(full, modules) {
  const byOwner = new Map(owners(modules).map((o) => [o.key, o]));
  const held = full.claims.filter((r) => r.holds).length;
  const lines = [
    '# Reproductions',
    '',
    'Every claim the presets and exercises make, run natively by `npm run reproduce` (scripts/reproduce.mjs) and',
    'written here by it; do not edit by hand. Seeds k = 0 … N − 1 use data seed + k and init seed + k.',
    '`npm test` re-runs the claims marked quick and checks that this table is the one the code produces.',
    '',
    `${full.claims.length} claims: ${held} hold, ${full.claims.length - held} do not.`,
    '',
  ];
  let paper = '';
  for (const r of full.claims) {
    const owner = byOwner.get(r.owner);
    if (owner.paper !== paper) {
      paper = owner.paper;
      lines.push(`## ${paper}`, '', '| preset | setting | claim | checked | measured | |', '|---|---|---|---|---|---|');
    }
    const cell = (s) => String(s).replace(/\|/g, '\\|');
    lines.push(
      `| <a id="${r.key.replace(/[:/]/g, '-')}"></a>${cell(owner.title)} | ${cell(settingText(r.config, r.claim))} | ${cell(r.claim.says)} | ${cell(conditionText(r.claim))} | ${cell(measuredText(r.claim, r))} | ${cell(verdict(r.claim, r))} |`,
    );
    const next = full.claims[full.claims.indexOf(r) + 1];
    if (r.cells) {
      lines.push('', `Per combination (${r.key}):`, '', '| ' + Object.keys(r.cells[0].at).join(' | ') + ' | measured | count | |');
      lines.push('|' + '---|'.repeat(Object.keys(r.cells[0].at).length + 3));
      for (const c of r.cells)
        lines.push(
          `| ${Object.values(c.at).join(' | ')} | ${measuredText({ ...r.claim, sweep: undefined }, { ...c, cells: undefined })} | ${c.count} | ${c.holds ? 'holds' : 'does not hold'} |`,
        );
      if (next && byOwner.get(next.owner).paper === paper)
        lines.push('', '| preset | setting | claim | checked | measured | |', '|---|---|---|---|---|---|');
    }
    if (!next || byOwner.get(next.owner).paper !== paper) lines.push('');
  }
  return lines.join('\n');
}

const escapeHtml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Text with $…$ math as MathML markup (the page's own typesetter). */
function mathHtml(text, mathml) {
  return text
    .split('$')
    .map((part, k) => (k % 2 === 0 ? escapeHtml(part) : mathml.mathMarkup(mathml.texToMathML(part))))
    .join('');
}

const HTML_STYLE =
  'body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}' +
  'table{border-collapse:collapse;width:100%;margin-bottom:2rem}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}' +
  'td.no{color:#a40000;font-weight:600}td.yes{color:#1a6b1a}code{font-size:90%}:target{background:#fff6cc}';

/** web/public/reproductions.html: the same rows, each with an anchor "<owner>-<claim id>" the page links to. */
export function renderHtml(full, modules) {
  const byOwner = new Map(owners(modules).map((o) => [o.key, o]));
  const held = full.claims.filter((r) => r.holds).length;
  const style = HTML_STYLE;
  const hash = createHash('sha256').update(style).digest('base64');
  const out = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-${hash}'">`,
    '<title>Reproductions — Attention SVM Playground</title>',
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    '<h1>Reproductions</h1>',
    '<p>Every claim the presets and exercises make, run natively by <code>npm run reproduce</code>; generated, not edited by hand. ' +
      `${full.claims.length} claims: ${held} hold, ${full.claims.length - held} do not. <a href="./">Back to the playground</a>.</p>`,
  ];
  let paper = '';
  for (const r of full.claims) {
    const owner = byOwner.get(r.owner);
    if (owner.paper !== paper) {
      if (paper) out.push('</tbody></table>');
      paper = owner.paper;
      out.push(
        `<h2>${escapeHtml(paper)}</h2>`,
        '<table><thead><tr><th>preset</th><th>setting</th><th>claim</th><th>checked</th><th>measured</th><th></th></tr></thead><tbody>',
      );
    }
    const id = r.key.replace(/[:/]/g, '-');
    out.push(
      `<tr id="${escapeHtml(id)}"><td>${escapeHtml(owner.title)}</td><td>${escapeHtml(settingText(r.config, r.claim))}</td>` +
        `<td>${mathHtml(r.claim.says, modules.mathml)}</td><td>${escapeHtml(conditionText(r.claim))}</td><td>${escapeHtml(measuredText(r.claim, r))}</td>` +
        `<td class="${r.holds ? 'yes' : 'no'}">${escapeHtml(verdict(r.claim, r))}</td></tr>`,
    );
    if (r.cells)
      out.push(
        `<tr><td></td><td colspan="5">${r.cells
          .map(
            (c) =>
              `${escapeHtml(changes(c.at))}: ${escapeHtml(measuredText({ ...r.claim, sweep: undefined }, { ...c, cells: undefined }))} (${c.count})`,
          )
          .join('; ')}</td></tr>`,
      );
  }
  if (paper) out.push('</tbody></table>');
  out.push('</body>', '</html>', '');
  return out.join('\n');
}

/** web/src/reproductions.json: what the page quotes. */
export function pageNumbers(full) {
  return {
    claims: full.claims.map((r) => {
      const m = { key: r.key, value: r.value, count: r.count, seeds: r.claim.seeds, holds: r.holds };
      if (r.std !== undefined && r.std !== null) m.std = r.std;
      return m;
    }),
  };
}

const json = (x) => JSON.stringify(x, null, 1) + '\n';

async function main() {
  const args = process.argv.slice(2);
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1].split(',') : undefined;
  const modules = await loadPageModules();
  const started = Date.now();
  const full = reproduce(modules, { only, log: (line) => console.log(line) });
  console.log(`${full.claims.length} claims in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (only) return;
  writeFileSync(paths.full, json(full));
  writeFileSync(paths.markdown, renderMarkdown(full, modules));
  writeFileSync(paths.html, renderHtml(full, modules));
  writeFileSync(paths.page, json(pageNumbers(full)));
  console.log(`wrote ${[paths.full, paths.markdown, paths.html, paths.page].map((p) => p.slice(root.length + 1)).join(', ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
