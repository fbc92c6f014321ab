// Accessibility and exports: axe-core finds no serious or critical violation on the main page, the embed
// page, the share panel and an exercise; keyboard shortcuts play, step and reset but leave inputs alone;
// the live summary speaks step, loss and margin; nothing autoplays under prefers-reduced-motion;
// cividis recolours the heatmap. (Exports: export.test.mjs.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

import { assertClean, canvasStats, isPlaying, metricsStep, servedPage, waitForMetricsStep, waitForValue, watch } from './helpers.mjs';

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
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    );
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
    await main.page.waitForSelector('#share-panel:not([hidden])');
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
