// The classroom: every exercise loads from its link with its question and goal; run to its step limit from
// the starting state the goal is not met; with the known solution applied ("load the solution") the same
// number of steps meets it — the goal checked live from the engine's snapshots. An exercise opens paused at
// step 0 and counts from the student's first play. The teacher's link builder
// makes a link with an exercise and hidden controls that restores both.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertClean, isPlaying, metricsStep, servedPage, stepBy, waitForMetricsStep, watch } from './helpers.mjs';

const env = servedPage();

/** Reads every exercise's id and step limit from the page's menu and its goal text. */
async function exercises(page) {
  return page.$$eval('#exercise option', (os) => os.map((o) => o.value).filter(Boolean));
}

/** Waits until the goal was checked at `step`; returns its status. */
async function goalAt(page, step) {
  const status = page.locator(`#exercise-status[data-step="${step}"]`);
  await status.waitFor({ timeout: 30000 });
  return status.getAttribute('data-goal');
}

describe('classroom exercises', () => {
  test('every exercise: unmet from its start, met with its known solution', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const problems = await watch(page);
    await page.goto(`${env.origin}?autoplay=0`);
    await waitForMetricsStep(page, (s) => s === 0);
    const ids = await exercises(page);
    assert.ok(ids.length >= 8, `only ${ids.length} exercises`);
    for (const [k, id] of ids.entries()) {
      // the first from its link, the others from the menu (no reload)
      if (k === 0) await page.goto(`${env.origin}?exercise=${id}&autoplay=0`);
      else await page.selectOption('#exercise', id);
      await page.waitForFunction((e) => location.search.includes(`exercise=${e}`), id);
      await waitForMetricsStep(page, (s) => s === 0);
      assert.ok(await page.isVisible('.view-exercise'), `${id}: panel shown`);
      const goal = await page.textContent('.exercise-goal');
      const limit = Number(/within (\d+) steps/.exec(goal)?.[1]);
      assert.ok(limit > 0, `${id}: goal "${goal}" has a step limit`);
      // the question quotes checked numbers: it shows once the claims' table is loaded
      await page.waitForFunction(() => document.querySelector('.exercise-question').textContent.length > 40);

      const end = await stepBy(page, limit);
      const start = await goalAt(page, end);
      assert.notEqual(start, 'met', `${id}: the starting state already meets "${goal}": ${await page.textContent('#exercise-status')}`);

      await page.click('.exercise-answer summary');
      assert.ok((await page.textContent('.exercise-answer')).length > 60, `${id}: answer revealed`);
      await page.click('#exercise-solve');
      await waitForMetricsStep(page, (s) => s === 0);
      await page.waitForFunction((e) => location.search.includes(`exercise=${e}`), id);
      const solved = await stepBy(page, limit);
      assert.equal(
        await goalAt(page, solved),
        'met',
        `${id}: the solution misses "${goal}": ${await page.textContent('#exercise-status')}`,
      );
      assert.equal(await page.isVisible('#banner'), false, `${id}: ${await page.textContent('#banner')}`);
    }
    assert.deepEqual(problems, []);
    await assertClean(page);
    await context.close();
  });

  test('an exercise opens paused at step 0 (from its link and from the menu) and counts from the first play', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const problems = await watch(page);
    const settled = async (id) => {
      await waitForMetricsStep(page, (s) => s === 0);
      // a few seconds to read the question: still step 0, paused, and not missed
      await page.waitForTimeout(2500);
      assert.equal(await metricsStep(page), 0, `${id}: the run stayed at step 0`);
      assert.equal(await isPlaying(page), false, `${id}: paused`);
      assert.equal(
        await page.getAttribute('#exercise-status', 'data-goal'),
        'unmet',
        `${id}: ${await page.textContent('#exercise-status')}`,
      );
      assert.doesNotMatch(await page.textContent('#exercise-status'), /Missed/);
    };
    // from its link (autoplay on, as a student's link has it)
    await page.goto(`${env.origin}?exercise=ngd-step`);
    await settled('ngd-step');
    await page.click('#play');
    await waitForMetricsStep(page, (s) => s > 0);
    assert.ok(await isPlaying(page));
    // from the menu while the run plays: the next exercise opens paused too
    await page.selectOption('#exercise', 'find-p');
    await page.waitForFunction(() => location.search.includes('exercise=find-p'));
    await settled('find-p');
    await page.click('#play');
    const first = await waitForMetricsStep(page, (s) => s > 0);
    await waitForMetricsStep(page, (s) => s > first, 10000);
    assert.deepEqual(problems, []);
    await assertClean(page);
    await context.close();
  });

  test("the teacher's link builder makes a link with an exercise and hidden controls", async () => {
    const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const problems = await watch(page);
    await page.goto(`${env.origin}?autoplay=0`);
    await waitForMetricsStep(page, (s) => s === 0);
    await page.click('#share');
    await page.selectOption('.share-teacher select', 'find-p');
    assert.ok(await page.isChecked('.share-hides input[value="p"]'), "the exercise's own hidden control is preselected");
    await page.check('.share-hides input[value="opt"]');
    await page.check('.share-hides input[value="play"]');
    const link = await page.inputValue('#teacher-link');
    assert.match(link, /exercise=find-p/);
    for (const flag of ['p_hide=1', 'opt_hide=1', 'play_hide=1']) assert.ok(link.includes(flag), `${flag} in ${link}`);

    await page.goto(link);
    await waitForMetricsStep(page, (s) => s >= 0);
    assert.ok(await page.isVisible('.view-exercise'));
    assert.match(await page.textContent('#exercise-title'), /ℓp SVM/);
    assert.equal(await page.isVisible('.row[data-field="optimizer"]'), false, 'optimiser hidden');
    assert.equal(await page.isVisible('#play'), false, 'play hidden');
    assert.equal(await page.isVisible('.row[data-field="svmP"]'), true, 'the control to change stays');
    assert.ok(page.url().includes('opt_hide=1'), 'hidden controls stay in the URL');
    assert.deepEqual(problems, []);
    await assertClean(page);
    await context.close();
  });
});
