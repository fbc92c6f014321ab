// The page in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): loads cleanly,
// trains, draws every view, obeys its run controls, runs every preset, restores a run from its URL,
// shows invalid input inline, edits data by dragging tokens, and never leaves its origin.
// Needs dist/ (scripts/build-web.sh). Screenshots go to test-results/ (not committed).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { assertClean, canvasStats, requestedUrls, root, servedPage, waitForValue, watch } from './helpers.mjs';

const results = `${root}/test-results`;
mkdirSync(results, { recursive: true });

const env = servedPage();
let origin;
let browser;
/** Every request the pages made outside their own origin. */
const foreign = [];

before(async () => {
  await env.ready();
  ({ origin, browser } = env);
});

/** Opens the page (optionally with a query) in a fresh context; collects console problems. */
async function open(query = '', options = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, ...options });
  const page = await context.newPage();
  const problems = await watch(page);
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url());
  });
  await page.goto(origin + query);
  await waitForStep(page, (s) => s > 0);
  return { page, problems, close: async () => (await assertClean(page, [origin]), await context.close()) };
}

/** The step of the latest snapshot drawn. */
async function stepOf(page) {
  return Number((await page.getAttribute('#status', 'data-step')) ?? -1);
}

function waitForStep(page, predicate, timeout = 20000) {
  return waitForValue(page, () => stepOf(page), predicate, timeout);
}

async function isPlaying(page) {
  return (await page.textContent('#play')).includes('pause');
}

/** Pauses and returns the step the worker paused at, once the page has drawn it (frames may lag under load). */
async function pause(page) {
  if (await isPlaying(page)) await page.click('#play');
  await page.waitForFunction(() => {
    const status = document.querySelector('#status').dataset;
    return status.playing === 'false' && status.step === status.runStep;
  });
  return stepOf(page);
}

/** Pauses, resets and runs exactly `count` iterations by hundreds (and ones). */
async function runExactly(page, count) {
  await pause(page);
  await page.click('#reset');
  await waitForStep(page, (s) => s === 0);
  for (let k = 0; k < Math.floor(count / 100); ++k) await page.click('#step100');
  for (let k = 0; k < count % 100; ++k) await page.click('#step');
  await waitForStep(page, (s) => s === count);
  await page.waitForFunction((n) => document.querySelector('#metrics').dataset.step === String(n), count);
  await page.waitForFunction((n) => document.querySelector('.view-svm').dataset.step === String(n), count);
}

const VIEWS = {
  heatmap: '.view-heatmap canvas',
  matrices: '.view-matrices canvas',
  curves: '.view-curves .chart canvas',
  tokens: '.view-tokens canvas',
};

describe('the playground page', () => {
  test('loads without console errors and the default run advances', async () => {
    const { page, problems, close } = await open();
    const s1 = await stepOf(page);
    await waitForStep(page, (s) => s > s1 + 50);
    assert.ok(await isPlaying(page), 'the default run plays on load');
    assert.match(await page.textContent('#metrics'), /corr_fro/);
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${results}/page-default.png`, fullPage: true });
    assert.deepEqual(problems, []);
    await close();
  });

  test('paused on load, the SVM references arrive by themselves; no readout ever shows NaN; the first-view parts of the engine are fetched once, by the page', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const problems = await watch(page);
    // every text the readouts show, from the first snapshot on (the references are solved after it)
    await page.addInitScript(() => {
      const seen = (window.__readouts = []);
      new MutationObserver(() => {
        for (const selector of ['#metrics', '.view-svm .svm-list']) {
          const text = document.querySelector(selector)?.textContent;
          if (text && !seen.includes(text)) seen.push(text);
        }
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await page.goto(`${origin}?autoplay=0`);
    await page.waitForSelector('.view-svm .svm-item[data-norm="fro"][data-status="optimal"]', { timeout: 30000 });
    await page.waitForSelector('.view-svm .svm-item[data-norm="nuc"][data-status="optimal"]');
    await page.waitForFunction(() => /corr_nuc -?\d/.test(document.querySelector('#metrics').textContent));
    const metrics = await page.textContent('#metrics');
    for (const norm of ['fro', 'nuc']) {
      const corr = Number(metrics.match(new RegExp(`corr_${norm} (\\S+)`))?.[1]);
      assert.ok(Number.isFinite(corr) && Math.abs(corr) <= 1, `corr_${norm} is a number: ${metrics}`);
    }
    assert.equal(await stepOf(page), 0, 'no step was needed for the references');
    const readouts = await page.evaluate(() => window.__readouts);
    console.log(`readouts shown before the references: ${JSON.stringify(readouts.filter((t) => t.includes('olving')))}`);
    assert.deepEqual(
      readouts.filter((t) => /NaN|undefined/.test(t)),
      [],
      'no readout shows NaN',
    );
    // the page compiles the engine's start and view parts itself and hands them to the worker: one request
    // each, from the document; the rest part is not needed for this first view (wasm/parts.mjs)
    assert.deepEqual(
      requestedUrls(page)
        .filter((u) => u.endsWith('.wasm'))
        .sort(),
      [`${origin}wasm/attnsvm.start.wasm`, `${origin}wasm/attnsvm.view.wasm`],
    );
    assert.equal(
      await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).length),
      2,
      'the document fetched them',
    );
    // and training works from there
    await page.click('#step100');
    await waitForStep(page, (s) => s === 100);
    assert.deepEqual(problems, []);
    await assertClean(page, [origin]);
    await context.close();
  });

  test('every view draws non-blank pixels that change between two snapshots', async () => {
    const { page, problems, close } = await open('?preset=tfsvm-2d&data=toy&svm=fro%2Cnuc&speed=2');
    await runExactly(page, 1);
    // every view draws a snapshot in the frame that shows its step; the curves (ten redraws a second) may come later
    await page.waitForSelector('.view-curves[data-step="1"]');
    const first = {};
    for (const [name, sel] of Object.entries(VIEWS)) first[name] = await canvasStats(page, sel);
    await page.click('#step100');
    await waitForStep(page, (s) => s === 101);
    await page.waitForSelector('.view-curves[data-step="101"]');
    for (const [name, sel] of Object.entries(VIEWS)) {
      const second = await canvasStats(page, sel);
      assert.ok(second.length > 0, `${name}: no canvas`);
      assert.equal(second.length, first[name].length, `${name}: canvases changed in number`);
      second.forEach((c, k) => assert.ok(c.nonBlank > 100, `${name}[${k}] is blank`));
      // every view changes as the run goes on (a view may have fixed parts, e.g. a colour legend)
      assert.ok(
        second.some((c, k) => c.sum !== first[name][k].sum),
        `${name}: no canvas changed between step 1 and step 101`,
      );
    }
    assert.deepEqual(problems, []);
    await close();
  });

  test('play, pause, step, step ×100 and reset do what they say', async () => {
    const { page, problems, close } = await open();
    const paused = await pause(page);
    await page.waitForTimeout(400);
    assert.equal(await stepOf(page), paused, 'a paused run stays put');
    await page.click('#step');
    await waitForStep(page, (s) => s === paused + 1);
    await page.click('#step100');
    await waitForStep(page, (s) => s === paused + 101);
    await page.click('#reset');
    await waitForStep(page, (s) => s === 0);
    await page.click('#play');
    await waitForStep(page, (s) => s > 20);
    assert.ok(await isPlaying(page));
    assert.deepEqual(problems, []);
    await close();
  });

  test('every preset loads and runs 200 steps without error', async () => {
    const { page, problems, close } = await open();
    const presets = await page.$$eval('#preset option', (os) => os.map((o) => ({ id: o.value, title: o.textContent })).filter((o) => o.id));
    assert.ok(presets.length >= 15, `only ${presets.length} presets`);
    for (const { id, title } of presets) {
      await page.selectOption('#preset', id);
      await page.waitForFunction((t) => document.querySelector('#about-title').textContent === t, title);
      await page.waitForFunction((p) => location.search.includes(`preset=${p}`), id);
      await runExactly(page, 200);
      assert.equal(await page.isVisible('#banner'), false, `${id}: ${await page.textContent('#banner')}`);
      const metrics = await page.textContent('#metrics');
      assert.doesNotMatch(metrics, /NaN/, `${id}: ${metrics}`);
      if (id === 'tfsvm-2d') await page.screenshot({ path: `${results}/page-preset-tfsvm-2d.png`, fullPage: true });
      if (id === 'multihead-h4') await page.screenshot({ path: `${results}/page-preset-multihead-h4.png`, fullPage: true });
    }
    assert.deepEqual(problems, []);
    await close();
  });

  test('ensemble mode computes the run over many seeds in the worker and draws mean ± std bands', async () => {
    const { page, problems, close } = await open('?seeds=12&horizon=400&tok=selected');
    await page.waitForSelector('.ensemble-note[data-finished="true"]', { timeout: 60000 });
    assert.match(await page.textContent('.ensemble-note'), /^Mean ± std over 12 of 12 seeds \(computed in [\d.]+ s\)/);
    const corr = await page.$$eval('.view-curves [data-chart="corr"] .u-legend .u-label', (ls) => ls.map((l) => l.textContent));
    assert.ok(corr.some((l) => l.includes('(mean)')) && corr.some((l) => l.includes('+ std')), corr.join(', '));
    const drawn = await canvasStats(page, VIEWS.curves);
    assert.ok(
      drawn.every((c) => c.nonBlank > 500),
      'every chart draws the ensemble',
    );
    await waitForStep(page, (s) => s > 0); // the single run goes on in the other views
    assert.match(page.url(), /seeds=12/);
    await page.fill('#ctl-seeds', '0');
    await page.dispatchEvent('#ctl-seeds', 'change');
    await page.waitForSelector('.ensemble-note', { state: 'hidden' });
    assert.doesNotMatch(page.url(), /seeds=/);
    assert.deepEqual(problems, []);
    await close();
  });

  test('a URL copied from the page restores the same state and the same numbers', async () => {
    const { page, problems, close } = await open();
    await page.selectOption('#preset', 'md-p175');
    await page.waitForFunction(() => location.search.includes('preset=md-p175'));
    await page.fill('#ctl-seed', '7');
    await page.press('#ctl-seed', 'Enter');
    await page.waitForFunction(() => location.search.includes('seed=7'));
    await runExactly(page, 300);
    const url = page.url();
    const metrics = await page.textContent('#metrics');
    const svm = await page.textContent('.view-svm');
    const controls = await page.$$eval('.controls select, .controls input', (es) =>
      es.map((e) => (e.type === 'checkbox' ? e.checked : e.value)),
    );
    await close();

    const again = await open(url.slice(origin.length));
    await runExactly(again.page, 300);
    assert.equal(again.page.url(), url);
    assert.equal(await again.page.textContent('#metrics'), metrics);
    assert.equal(await again.page.textContent('.view-svm'), svm);
    assert.deepEqual(
      await again.page.$$eval('.controls select, .controls input', (es) => es.map((e) => (e.type === 'checkbox' ? e.checked : e.value))),
      controls,
    );
    assert.deepEqual([...problems, ...again.problems], []);
    await again.close();
  });

  test('an invalid input shows an inline error and the run continues; lr changes keep the run', async () => {
    const { page, problems, close } = await open();
    const before = page.url();
    await page.fill('#ctl-n', '0');
    await page.press('#ctl-n', 'Enter');
    const error = page.locator('.row[data-field="n"] .error');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.textContent(), /data\.n/);
    const s = await stepOf(page);
    await waitForStep(page, (x) => x > s + 20);
    assert.equal(page.url(), before, 'a rejected value does not reach the URL');

    await page.fill('#ctl-n', '5');
    await page.press('#ctl-n', 'Enter');
    await page.waitForFunction(() => location.search.includes('n=5'));
    assert.equal(await error.isVisible(), false);

    const s2 = await waitForStep(page, (x) => x > 100);
    await page.fill('#ctl-lr', '0.05');
    await page.press('#ctl-lr', 'Enter');
    await page.waitForFunction(() => location.search.includes('lr=0.05'));
    assert.ok((await stepOf(page)) >= s2, 'changing the step size does not restart the run');
    assert.deepEqual(problems, []);
    await close();
  });

  test('dragging a token in the token plane changes the SVM solution shown', async () => {
    const { page, problems, close } = await open('?preset=tfsvm-2d&data=toy&svm=fro%2Cnuc&speed=2');
    await runExactly(page, 100);
    const svmBefore = await page.textContent('.view-svm');
    const canvas = page.locator('.view-tokens canvas');
    const points = JSON.parse(await canvas.getAttribute('data-points'));
    const box = await canvas.boundingBox();
    const [, , px, py] = points[1];
    await page.mouse.move(box.x + px, box.y + py);
    await page.mouse.down();
    await page.mouse.move(box.x + px + 30, box.y + py - 40, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => location.search.includes('data=inline'));
    assert.equal(await page.inputValue('#ctl-kind'), 'inline');
    await page.waitForFunction((t) => document.querySelector('.view-svm').textContent !== t, svmBefore);
    assert.deepEqual(problems, []);
    await close();
  });

  test('the columns stack at a phone width and the dark theme renders', async () => {
    const { page, problems, close } = await open('', { viewport: { width: 390, height: 800 }, colorScheme: 'dark' });
    // one measurement of both columns (two would race the run bar's text between them)
    const { controls, center } = await page.evaluate(() => ({
      controls: document.querySelector('#controls').getBoundingClientRect().toJSON(),
      center: document.querySelector('#center').getBoundingClientRect().toJSON(),
    }));
    assert.ok(center.y >= controls.y + controls.height - 1, 'the centre column sits below the controls');
    assert.ok(controls.width <= 390);
    // while the run plays, its changing numbers never move the page below the run bar
    const tops = new Set();
    for (let k = 0; k < 20; k++) {
      tops.add(await page.evaluate(() => Math.round(document.querySelector('#center').getBoundingClientRect().top + scrollY)));
      await page.waitForTimeout(50);
    }
    assert.equal(tops.size, 1, `the centre column moved while the run played: tops ${[...tops]}`);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(bg, 'rgb(255, 255, 255)');
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${results}/page-phone-dark.png`, fullPage: true });
    assert.deepEqual(problems, []);
    await close();
  });

  test('the page makes no request outside its own origin', () => {
    assert.deepEqual(foreign, []);
  });
});
