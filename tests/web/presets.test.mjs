// A preset named in a link runs: for every preset, the page opened with `?preset=<id>`, the one-tag embed
// `<attention-svm-playground preset="<id>">` (a host page on another origin) and the header's picker send the
// engine the same run (config, speed, ensemble; run B's of a compare preset), read from the page's debug
// hook `attnsvmDebug.sent()`; so does a host's `setState({preset})`. Other fields of a link override the
// preset's, and the share link is the preset plus what differs from it.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { DEFAULT_RUN } from '../../scripts/split-wasm.mjs';
import { assertClean, servedPage, watch } from './helpers.mjs';

const env = servedPage();

// the host page of the one-tag embed: no inline script (the test adds the element through the DevTools protocol)
const HOST_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>post</title></head><body><h1>A blog post</h1></body></html>';
let host, hostOrigin;

before(async () => {
  host = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(HOST_HTML);
  });
  await new Promise((ok) => host.listen(0, '127.0.0.1', ok));
  hostOrigin = `http://127.0.0.1:${host.address().port}`;
});

after(() => host?.close());

/** What the page (or frame) asked its engine workers to run: run A's config, speed and ensemble, run B's config and speed. */
function sent(target) {
  return target.evaluate(() => {
    const { a, b } = window.attnsvmDebug.sent();
    return JSON.parse(
      JSON.stringify({
        a: { config: a.config, speed: a.speed, ensemble: a.ensemble ?? null },
        b: b && { config: b.config, speed: b.speed },
      }),
    );
  });
}

/** Waits until a page (or frame) opened from a URL has configured its run and set its speed (the last step of its start). */
async function started(target) {
  await target.waitForFunction(
    () => window.attnsvmDebug?.sent().a.speed !== undefined && document.querySelector('#metrics')?.dataset.step === '0',
    null,
    {
      timeout: 60000,
    },
  );
}

async function newPage(viewport = { width: 1200, height: 900 }) {
  const context = await env.browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = await watch(page);
  return { context, page, problems };
}

/** Waits until `frame` (an iframe's, kept across its navigations) shows the document of `preset` and that document started. */
async function frameStarted(page, frame, preset) {
  const t0 = Date.now();
  while (new URL(frame.url()).searchParams.get('preset') !== preset) {
    if (Date.now() - t0 > 30000) throw new Error(`the frame did not load preset ${preset}: ${frame.url()}`);
    await page.waitForTimeout(40);
  }
  await started(frame);
}

test('the default page runs the run the engine was split for (scripts/split-wasm.mjs DEFAULT_RUN), in the playground and the embed', async () => {
  for (const path of ['', 'embed.html?views=heatmap,corr']) {
    const { context, page, problems } = await newPage();
    await page.goto(env.origin + path);
    await started(page);
    assert.deepEqual((await sent(page)).a.config, DEFAULT_RUN, 'the first view the engine is split for (wasm/parts.mjs)');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

describe('a preset named in a link runs', () => {
  test('every preset: the URL, the <attention-svm-playground> element, the picker and setState send the same run', async (t) => {
    const t0 = Date.now();
    const lap = (what) => t.diagnostic(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // the picker: one page, every preset in turn
    const picker = await newPage();
    await picker.page.goto(`${env.origin}?autoplay=0`);
    await started(picker.page);
    const ids = await picker.page.$$eval('#preset option', (os) => os.map((o) => o.value).filter(Boolean));
    assert.ok(ids.length >= 20, `only ${ids.length} presets`);
    const expected = {};
    for (const id of ids) {
      await picker.page.selectOption('#preset', id);
      // the link stays short: the preset and the page's own field
      await picker.page.waitForFunction((p) => location.search === `?preset=${p}&autoplay=0`, id, { timeout: 60000 });
      expected[id] = await sent(picker.page);
      assert.ok(expected[id].a.config, `${id}: a config was sent`);
    }
    assert.equal(await picker.page.isVisible('#banner'), false, await picker.page.textContent('#banner'));
    assert.deepEqual(picker.problems, []);
    await assertClean(picker.page);
    await picker.context.close();
    lap('the picker');

    // the URL: one page, navigated to every preset's link
    const url = await newPage();
    for (const id of ids) {
      await url.page.goto(`${env.origin}?preset=${id}&autoplay=0`);
      await started(url.page);
      assert.deepEqual(await sent(url.page), expected[id], `${id}: ?preset=${id} runs what the picker runs`);
      assert.equal(await url.page.inputValue('#preset'), id);
      assert.equal(new URL(url.page.url()).search, `?preset=${id}&autoplay=0`, `${id}: the page keeps its short link`);
      assert.equal(await url.page.isVisible('#banner'), false, `${id}: ${await url.page.textContent('#banner')}`);
    }
    assert.deepEqual(url.problems, []);
    await assertClean(url.page);
    await url.context.close();
    lap('the URL');

    // the one-tag embed and setState: a host page on another origin with two elements
    const embed = await newPage();
    await embed.page.goto(`${hostOrigin}/post.html`);
    await embed.page.addScriptTag({ url: `${env.origin}attention-svm-playground.js` });
    await embed.page.evaluate(() => {
      for (const name of ['el', 'set']) {
        const e = document.createElement('attention-svm-playground');
        e.id = name;
        e.setAttribute('autoplay', '0');
        e.setAttribute('height', '400');
        window[`${name}Ready`] = new Promise((ok) => e.addEventListener('playground-ready', ok));
        document.body.append(e);
      }
    });
    await embed.page.evaluate(() => window.setReady);
    const elFrame = await (await embed.page.$('#el iframe')).contentFrame();
    const setFrame = await (await embed.page.$('#set iframe')).contentFrame();
    for (const id of ids) {
      // the element: its preset attribute becomes the frame's link
      await embed.page.evaluate((p) => document.getElementById('el').setAttribute('preset', p), id);
      await frameStarted(embed.page, elFrame, id);
      assert.deepEqual(await sent(elFrame), expected[id], `${id}: <attention-svm-playground preset="${id}"> runs what the picker runs`);

      // setState({preset}) to the other frame, through the element's postMessage API
      const reply = await embed.page.evaluate((p) => document.getElementById('set').setState({ preset: p }), id);
      assert.equal(reply?.type, 'state', `${id}: ${JSON.stringify(reply)}`);
      assert.match(reply.query, new RegExp(`^preset=${id}&`), `${id}: ${reply.query}`);
      assert.deepEqual(await sent(setFrame), expected[id], `${id}: setState({preset: "${id}"}) runs what the picker runs`);
    }
    lap('the element and setState');
    assert.deepEqual(embed.problems, []);
    await assertClean(embed.page, [hostOrigin, env.origin]);
    await embed.context.close();
  });

  test('other fields of the link override the preset; the share link is the preset and what differs', async () => {
    const { context, page, problems } = await newPage();
    await page.goto(`${env.origin}?preset=md-p3&lr=0.05&autoplay=0`);
    await started(page);
    const { a } = await sent(page);
    assert.deepEqual(a.config.optimizer, { kind: 'md', lr: 0.05, p: 3, normalized: true });
    assert.equal(a.speed, 'max');
    assert.equal(await page.inputValue('#ctl-lr'), '0.05');
    assert.equal(await page.inputValue('#ctl-p'), '3');
    assert.match(await page.textContent('#about-title'), /p = 3/);
    await page.click('#share');
    assert.equal(new URL(await page.inputValue('#share-link')).search, '?preset=md-p3&lr=0.05');
    await page.click('#share');
    // a visitor's change after picking a preset: the link is the preset and the changed field
    await page.selectOption('#preset', 'tfsvm-2d');
    await page.waitForFunction(() => location.search === '?preset=tfsvm-2d&autoplay=0');
    await page.fill('#ctl-seed', '5');
    await page.press('#ctl-seed', 'Enter');
    await page.waitForFunction(() => location.search === '?preset=tfsvm-2d&seed=5&autoplay=0');
    assert.equal((await sent(page)).a.config.data.seed, 5);
    assert.deepEqual(problems, []);
    await assertClean(page);
    await context.close();
  });
});

describe('what a preset says is checked', () => {
  test("a preset's text quotes the committed measurements, lists what was checked and links to its row of the table", async () => {
    const { readFileSync } = await import('node:fs');
    const measured = JSON.parse(readFileSync(new URL('../../web/src/reproductions.json', import.meta.url), 'utf8')).claims;
    const fro = measured.find((m) => m.key === 'tfsvm-w/fro');
    assert.ok(fro, 'tfsvm-w/fro is measured');
    const { context, page, problems } = await newPage();
    await page.goto(`${env.origin}?preset=tfsvm-w&autoplay=0`);
    await started(page);
    // the checked numbers come with claims.ts, loaded when a preset's text is first shown
    await page.waitForSelector('#about-checked li');
    const text = await page.textContent('#about-text');
    // the plain text, without the typeset math (whose TeX annotation has braces of its own)
    const plain = await page.$eval('#about-text', (e) => {
      const copy = e.cloneNode(true);
      copy.querySelectorAll('math').forEach((m) => m.remove());
      return copy.textContent;
    });
    assert.doesNotMatch(plain, /\{[a-z0-9_-]+\}/, 'no placeholder is left unquoted');
    const quoted = `${Number(fro.value.toPrecision(3))} ± ${Number(fro.std.toPrecision(3))}`;
    assert.ok(text.includes(quoted), `the text quotes ${quoted}: ${text}`);
    const notes = await page.$$eval('#about-checked li', (items) =>
      items.map((li) => ({ text: li.textContent, href: li.querySelector('a')?.href })),
    );
    assert.equal(notes.length, measured.filter((m) => m.key.startsWith('tfsvm-w/')).length);
    assert.ok(notes[0].text.startsWith('checked: '), notes[0].text);
    assert.ok(notes[0].text.includes(` — ${fro.seeds} seeds, corr_fro ${quoted} at step 2000`), notes[0].text);
    // the link opens the table at that claim's row
    await page.goto(notes[0].href);
    assert.match(await page.textContent('tr:target'), /corr_fro/);
    // an exercise's answer quotes its checked numbers too (the sparsify exercise's crossing step)
    const step = measured.find((m) => m.key === 'exercise:sparsify/ngd').value;
    await page.goto(`${env.origin}?exercise=sparsify&autoplay=0`);
    await page.waitForSelector('.exercise-answer');
    assert.match(await page.textContent('.exercise-answer'), new RegExp(`from step ${step} on`));
    assert.deepEqual(problems, []);
    await context.close();
  });
});
