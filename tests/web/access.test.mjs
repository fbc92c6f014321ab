// Accessibility and exports: axe-core finds no serious or critical violation on the main page, the embed
// page, the share panel and an exercise; keyboard shortcuts play, step and reset but leave inputs alone;
// the live summary speaks step, loss and margin; nothing autoplays under prefers-reduced-motion;
// cividis recolours the heatmap; every export downloads a non-empty file of its type holding the state URL.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

import { assertClean, canvasStats, isPlaying, metricsStep, servedPage, stepBy, waitForMetricsStep, waitForValue, watch } from './helpers.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const env = servedPage();

async function open(query, options = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 }, ...options });
  const page = await context.newPage();
  const problems = await watch(page);
  await page.goto(env.origin + query);
  await waitForMetricsStep(page, (s) => s >= 0);
  return { page, problems, close: async () => (await assertClean(page), await context.close()) };
}

/** Serious and critical axe violations of the page as it is now. */
async function axeViolations(page) {
  // evaluated through the DevTools protocol, so the page's CSP (no inline scripts) stays on
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

describe('accessibility', () => {
  test('axe: no serious or critical violations (page, share panel, exercise, embed, dark theme)', async () => {
    const main = await open('?autoplay=0');
    assert.deepEqual(await axeViolations(main.page), [], 'main page');
    await main.page.selectOption('#exercise', 'kq-nuclear');
    await main.page.waitForSelector('.view-exercise:not([hidden])');
    await main.page.click('#exercise-hint');
    await main.page.click('.exercise-answer summary');
    await main.page.click('#share');
    assert.deepEqual(await axeViolations(main.page), [], 'exercise and share panel open');
    await main.page.emulateMedia({ colorScheme: 'dark' });
    assert.deepEqual(await axeViolations(main.page), [], 'dark theme');
    await main.close();
    const embed = await open('?embed=1&views=heatmap,svm,corr&controls=full&autoplay=0');
    assert.deepEqual(await axeViolations(embed.page), [], 'embed');
    await embed.close();
  });

  test('prefers-reduced-motion: nothing autoplays, and play still works', async () => {
    const { page, problems, close } = await open('', { reducedMotion: 'reduce' });
    await waitForMetricsStep(page, (s) => s === 0);
    await page.waitForTimeout(800);
    assert.equal(await metricsStep(page), 0);
    assert.equal(await isPlaying(page), false);
    assert.match(await page.textContent('#status'), /reduced motion|paused/);
    await page.selectOption('#exercise', 'sparsify');
    await page.waitForFunction(() => location.search.includes('exercise=sparsify'));
    await page.waitForTimeout(500);
    assert.equal(await isPlaying(page), false, 'loading an exercise does not start it either');
    await page.click('#play');
    await waitForMetricsStep(page, (s) => s > 0);
    assert.deepEqual(problems, []);
    await close();
  });

  test('keyboard: space plays and pauses, → steps, r resets; inputs keep their keys; the summary is spoken', async () => {
    const { page, problems, close } = await open('?autoplay=0');
    await waitForMetricsStep(page, (s) => s === 0);
    await page.locator('body').click({ position: { x: 5, y: 900 } });
    await page.keyboard.press('ArrowRight');
    await waitForMetricsStep(page, (s) => s === 1);
    await page.keyboard.press('ArrowRight');
    await waitForMetricsStep(page, (s) => s === 2);
    // a focused button keeps space and enter, not the arrow
    await page.click('#step');
    await waitForMetricsStep(page, (s) => s === 3);
    await page.keyboard.press('ArrowRight');
    await waitForMetricsStep(page, (s) => s === 4);
    await page.locator('body').click({ position: { x: 5, y: 900 } });
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('#play').textContent.includes('pause'));
    await waitForMetricsStep(page, (s) => s > 20);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('#play').textContent.includes('play'));
    await page.keyboard.press('r');
    await waitForMetricsStep(page, (s) => s === 0);
    await page.waitForFunction(() => /step 0, loss [\d.e+-]+, margin/.test(document.querySelector('#live-summary').textContent));
    assert.equal(await page.getAttribute('#live-summary', 'aria-live'), 'polite');
    // typing in a field does not drive the run
    await page.focus('#ctl-seed');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Space');
    await page.keyboard.press('r');
    await page.waitForTimeout(500);
    assert.equal(await metricsStep(page), 0);
    assert.equal(await isPlaying(page), false);
    // focus is visible
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none');
    assert.deepEqual(problems, []);
    await close();
  });

  test('cividis recolours the heatmap', async () => {
    const { page, problems, close } = await open('?autoplay=0');
    const heatmap = async () => (await canvasStats(page, '.view-heatmap canvas'))[0];
    const before = await waitForValue(page, heatmap, (h) => h.nonBlank > 0, 10000);
    await page.selectOption('#ctl-cmap', 'cividis');
    await page.waitForFunction(() => location.search.includes('cmap=cividis'));
    // the redraw comes with the next frame, which a loaded machine may delay (throws if it never changes)
    await waitForValue(page, heatmap, (h) => h.sum !== before.sum, 10000);
    // (the URL round trip of cmap: units.test.mjs)
    assert.deepEqual(problems, []);
    await close();
  });
});

describe('exports', () => {
  test('every export downloads a non-empty file of its type that holds the state URL', async () => {
    const { page, problems, close } = await open('?data=toy&toy=tfsvm-2d&svm=fro%2Cnuc&autoplay=0&lr=0.2');
    await waitForMetricsStep(page, (s) => s === 0);
    await stepBy(page, 120);
    await page.waitForTimeout(400);
    await page.click('#share');
    const url = await page.inputValue('#share-link');
    assert.match(url, /\?data=toy&lr=0\.2$/);
    const buttons = await page.$$eval('.export-bar button', (bs) => bs.map((b) => ({ view: b.closest('.panel').className, format: b.dataset.export })));
    assert.ok(buttons.length >= 11, `${buttons.length} export buttons`);
    const seen = new Set();
    for (const [k, { view, format }] of buttons.entries()) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`:nth-match(.export-bar button, ${k + 1})`)]);
      const bytes = readFileSync(await download.path());
      const name = download.suggestedFilename();
      assert.ok(bytes.length > 100, `${view} ${format}: ${bytes.length} bytes`);
      const text = bytes.toString('latin1');
      const ext = name.split('.').pop();
      seen.add(ext);
      if (ext === 'png') {
        assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], `${name}: PNG signature`);
        assert.ok(text.includes(`tEXtURL\0${url}`), `${name}: tEXt chunk with the URL`);
      } else if (ext === 'svg') {
        assert.match(text, /^<\?xml[^>]*>\s*<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        assert.ok(text.includes(`<metadata>`) && text.includes(url.replace(/&/g, '&amp;')), `${name}: URL in metadata`);
        assert.match(text, /<polyline/);
      } else if (ext === 'csv') {
        const lines = text.split('\n');
        assert.equal(lines[0], `# url=${url}`);
        assert.ok(lines[1].startsWith('step,'), `${name}: header ${lines[1]}`);
        assert.ok(lines.length > 10);
      } else if (ext === 'json') {
        const json = JSON.parse(bytes.toString('utf8'));
        assert.equal(json.url, url);
      } else assert.fail(`unexpected file ${name}`);
    }
    assert.deepEqual([...seen].sort(), ['csv', 'json', 'png', 'svg']);
    // the recorded URL recreates the run
    await page.goto(url);
    await waitForMetricsStep(page, (s) => s >= 0);
    assert.equal(await page.inputValue('#ctl-lr'), '0.2');
    assert.deepEqual(problems, []);
    await close();
  });
});
