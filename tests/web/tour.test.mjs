// The guided tour (dist/tour.html): its text shows at once and its first view loads no engine; each section's
// figure (an <attention-svm-playground> element) loads once scrolled to, draws and runs; the questions reveal
// from the keyboard and judge the prediction; the figure links and embed code are the playground's; axe finds no
// serious or critical violation; nothing overflows a 390 px phone; under reduced motion the figures wait; the
// playground links to the tour; and the built text has every $…$ typeset and every claim placeholder quoted.
// At most three figures stay loaded; one unloaded comes back with its state.
// The first view stays within 30 KB gzipped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { shippedBytes } from '../../scripts/shipped.mjs';
import { assertClean, canvasStats, requestedUrls, root, servedPage, waitForValue, watch } from './helpers.mjs';

/** The tour's first view (the page, its script and stylesheet, the icon), gzipped: no engine, no figure. */
const FIRST_VIEW_BUDGET_BYTES = 30_000;

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const env = servedPage();

/** The figures, in order, with the section each belongs to. */
const FIGURES = ['model', 'sparsify', 'svm', 'parameters', 'mirror', 'rates', 'heads', 'images', 'try'];

async function open(options = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const problems = await watch(page);
  await page.goto(`${env.origin}tour.html`);
  return { page, problems, close: async () => (await assertClean(page), await context.close()) };
}

/** Scrolls a figure into view and returns its frame once the playground in it shows a step. */
async function figureFrame(page, id, timeout = 60000) {
  await page.locator(`#fig-${id}`).scrollIntoViewIfNeeded();
  const frame = await (await page.waitForSelector(`#fig-${id} iframe`, { timeout })).contentFrame();
  await frame.waitForFunction(() => Number(document.querySelector('#metrics')?.dataset.step ?? -1) >= 0, null, { timeout });
  return frame;
}

const frameStep = async (frame) => Number((await frame.getAttribute('#metrics', 'data-step')) ?? -1);

/** Checksum of every visible canvas of a frame (changes as the views redraw). */
async function drawn(frame) {
  const stats = await canvasStats(frame, 'canvas');
  return { nonBlank: stats.reduce((a, s) => a + s.nonBlank, 0), sum: stats.map((s) => s.sum).join(',') };
}

describe('the guided tour', () => {
  test('text at once, no engine before a figure nears; every figure loads when scrolled to, draws and changes', async () => {
    // 720 px tall: the first figure starts 950 px down, beyond the 200 px margin at which figures load
    const { page, problems, close } = await open({ viewport: { width: 1280, height: 720 } });
    // the first screen: the title and prose are in the HTML, typeset, before any script ran
    assert.match(await page.textContent('h1'), /max-margin SVM/);
    assert.ok((await page.locator('#model math').count()) > 3, 'the math of section 1 is MathML');
    await page.waitForTimeout(1500);
    const early = requestedUrls(page).filter((u) => /\/(wasm|data)\/|index\.html|attention-svm-playground\.js/.test(u));
    assert.deepEqual(early, [], 'the first view loads no figure');
    assert.equal(await page.locator('figure.live iframe').count(), 0);
    const first = shippedBytes(
      join(root, 'dist'),
      requestedUrls(page).map((u) => new URL(u).pathname),
    );
    assert.ok(first.gzipped <= FIRST_VIEW_BUDGET_BYTES, `the first view ships ${first.gzipped} bytes gzipped`);
    console.log(`first view: ${first.gzipped} bytes gzipped (${first.rows.map((r) => r.path).join(', ')})`);
    for (const id of FIGURES) {
      const t0 = Date.now();
      const frame = await figureFrame(page, id);
      const first = await waitForValue(
        page,
        () => drawn(frame),
        (d) => d.nonBlank > 0,
        30000,
      );
      const step = await frameStep(frame);
      // it runs: the step advances and the views redraw
      await waitForValue(
        page,
        () => frameStep(frame),
        (s) => s > step,
        30000,
      );
      await waitForValue(
        page,
        () => drawn(frame),
        (d) => d.sum !== first.sum,
        30000,
      );
      console.log(`figure ${id}: drawn and running ${Date.now() - t0} ms after scrolling to it`);
    }
    // at most three figures stay loaded (a frame and an engine worker each): the ones farthest off screen went
    await waitForValue(
      page,
      () => page.locator('figure.live iframe').count(),
      (n) => n <= 3,
      10000,
    );
    assert.equal(await page.locator('#fig-model iframe').count(), 0, 'the first figure was unloaded');
    assert.equal(await page.getAttribute('#fig-model', 'data-figure'), 'unloaded');
    // a figure scrolled past but still loaded pauses (the frame's own off-screen pause)
    const heads = await (await page.$('#fig-heads iframe')).contentFrame();
    await heads.waitForFunction(() => document.querySelector('#status')?.dataset.playing === 'false', null, { timeout: 10000 });
    assert.deepEqual(problems, []);
    await close();
  });

  test('questions: predict and reveal from the keyboard; buttons act on the figure; links and embed code', async () => {
    const { page, problems, close } = await open();
    const quiz = page.locator('.quiz[data-fig="fig-try"]');
    const frame = await figureFrame(page, 'try');
    // keyboard: focus the first choice, arrow to the right one (radio group semantics), then the reveal button
    await quiz.locator('input[type="radio"]').first().focus();
    await page.keyboard.press('Space');
    assert.equal(await quiz.locator('input[value="up"]').isChecked(), true, 'Space checks the focused choice');
    await quiz.locator('button.reveal').focus();
    await page.keyboard.press('Enter');
    assert.equal(await quiz.locator('.answer').isVisible(), true);
    assert.equal(await quiz.locator('button.reveal').getAttribute('aria-expanded'), 'true');
    assert.match(await quiz.locator('.verdict').textContent(), /^Right/);
    await quiz.locator('input[value="up"]').focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await quiz.locator('input[value="down"]').isChecked(), true);
    assert.match(await quiz.locator('.verdict').textContent(), /^Not this time/);
    // the readout quotes the frame's own snapshot events
    await waitForValue(
      page,
      () => quiz.locator('output').textContent(),
      (t) => /step \d+ · corr with the Frobenius SVM = /.test(t),
      20000,
    );
    // a button acts on the figure: η = 1 reaches the run (its URL state says so)
    await quiz.locator('button.act[data-state="lr=1"]').focus();
    await page.keyboard.press('Enter');
    await frame.waitForFunction(() => new URLSearchParams(location.search).get('lr') === '1', null, { timeout: 20000 });
    // and the reset button restarts it. The run goes on at 20 steps a frame, so a reset shows as a drawn step
    // below the one drawn before it, for a frame or two: the frame records every drawn step, from a step
    // where the drop can show (η = 1 itself restarted the run just now).
    await waitForValue(
      page,
      () => frameStep(frame),
      (s) => s >= 100,
      20000,
    );
    await frame.evaluate(() => {
      const metrics = document.querySelector('#metrics');
      let last = Number(metrics.dataset.step);
      window.stepDropped = false;
      new MutationObserver(() => {
        const step = Number(metrics.dataset.step);
        if (step < last) window.stepDropped = true;
        last = step;
      }).observe(metrics, { attributes: true, attributeFilter: ['data-step'] });
    });
    await quiz.locator('button.act[data-do="reset"]').click();
    await frame.waitForFunction(() => window.stepDropped, null, { timeout: 20000 });
    await quiz.locator('button.reveal').press('Enter');
    assert.equal(await quiz.locator('.answer').isVisible(), false, 'the button hides the answer again');
    // links: the playground with the figure's state, and the element's code
    const figure = page.locator('#fig-try');
    const href = await figure.locator('.figure-links a').getAttribute('href');
    assert.equal(new URL(href).pathname.endsWith('/index.html'), true);
    assert.equal(new URL(href).searchParams.get('lr'), '0.05');
    assert.equal(new URL(href).searchParams.get('views'), null, 'the playground link drops the embed-only fields');
    await figure.locator('button.copy').click();
    const code = await figure.locator('textarea.embed-code').inputValue();
    assert.match(code, /^<script src="http[^"]+\/attention-svm-playground\.js" defer><\/script>\n<attention-svm-playground /);
    assert.match(code, /lr="0\.05"/);
    assert.match(code, /views="heatmap,corr"/);
    // a section-1 figure link opens the same preset on the playground
    assert.match(await page.locator('#fig-model .figure-links a').getAttribute('href'), /index\.html\?preset=tfsvm-2d$/);
    assert.deepEqual(problems, []);
    await close();
  });

  test('an unloaded figure comes back with the state the reader gave it', async () => {
    const { page, problems, close } = await open();
    const before = await figureFrame(page, 'parameters');
    // act on it: the diagonal K, Q preset replaces the run
    await page.click('button.act[data-state="preset=flow-kqdiag"]');
    await before.waitForFunction(() => new URLSearchParams(location.search).get('preset') === 'flow-kqdiag', null, { timeout: 20000 });
    // scroll on until it is unloaded, then back
    for (const id of ['mirror', 'rates', 'heads', 'images']) await figureFrame(page, id);
    await waitForValue(
      page,
      () => page.locator('#fig-parameters iframe').count(),
      (n) => n === 0,
      10000,
    );
    const after = await figureFrame(page, 'parameters');
    const query = await after.evaluate(() => location.search);
    assert.match(query, /preset=flow-kqdiag/);
    assert.match(query, /views=corr%2Cmatrices|views=corr,matrices/, 'the embed fields came back with it');
    await waitForValue(
      page,
      () => frameStep(after),
      (s) => s > 0,
      30000,
    );
    assert.deepEqual(problems, []);
    await close();
  });

  test('axe: no serious or critical violation (answers shown, a figure loaded; light and dark)', async () => {
    const { page, problems, close } = await open();
    await figureFrame(page, 'model');
    for (const button of await page.locator('button.reveal').all()) await button.click();
    await page.evaluate(axeSource);
    const violations = () =>
      page.evaluate(async () =>
        (await window.axe.run(document, { resultTypes: ['violations'], iframes: false })).violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`),
      );
    assert.deepEqual(await violations(), [], 'light theme');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.deepEqual(await violations(), [], 'dark theme');
    assert.deepEqual(problems, []);
    await close();
  });

  test('390 px: nothing overflows, figures included; reduced motion: the figures wait for play', async () => {
    const { page, problems, close } = await open({ viewport: { width: 390, height: 844 }, reducedMotion: 'reduce' });
    const width = () => page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok((await width()) <= 390, `the page is ${await width()} px wide`);
    for (const id of ['model', 'images']) {
      const frame = await figureFrame(page, id);
      assert.ok((await width()) <= 390, `with figure ${id}: the page is ${await width()} px wide`);
      const inner = await frame.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(inner[0] <= inner[1], `figure ${id}'s content is ${inner[0]} px wide in a ${inner[1]} px frame`);
      const box = await page.locator(`#fig-${id} iframe`).boundingBox();
      assert.ok(box.height >= 300, `figure ${id} is ${box.height} px tall`);
      // reduced motion: loaded, drawn, not playing
      await frame.waitForTimeout(500);
      assert.equal(await frame.getAttribute('#status', 'data-playing'), 'false');
    }
    assert.deepEqual(problems, []);
    await close();
  });

  test('the playground links to the tour; the built text is fully typeset and quoted', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    const problems = await watch(page);
    await page.goto(`${env.origin}index.html?autoplay=0`);
    const link = page.locator('a#tour-link');
    assert.match(await link.textContent(), /new here\? take the tour/);
    await link.click();
    await page.waitForURL(/tour\.html$/);
    assert.match(await page.textContent('h1'), /max-margin SVM/);
    assert.deepEqual(problems, []);
    await context.close();
    const html = readFileSync(join(root, 'dist', 'tour.html'), 'utf8');
    const body = html.slice(html.indexOf('<body'));
    assert.doesNotMatch(body, /\$/, 'every $…$ is typeset');
    assert.doesNotMatch(body, /\{[a-z][a-z0-9-]*\/[a-z0-9][a-z0-9_-]*\}/, 'every claim placeholder is quoted');
    assert.doesNotMatch(body, /<!--exercises-->/);
    assert.match(body, /href="\.\/index\.html\?exercise=ngd-step"/);
  });
});
