// Embedding: a host page on another origin embeds the built dist/ from a sub-path (/sub/playground/) and
// drives it through the postMessage API (ready, play, snapshot, step, getState, setState, resize);
// malformed messages and hosts outside allowedOrigins are ignored; the custom element and embed.html
// work; an embed pauses off screen; the share panel builds embed code with a live preview; setState
// turns compare mode on.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, symlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { serve } from '../../scripts/serve.mjs';
import { assertClean, isPlaying, launch, root, waitForMetricsStep, watch } from './helpers.mjs';

const SOURCE = 'attention-svm-playground';

// The host page: no inline script (its own script is a file), records every message of the API.
const HOST_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>host</title>
<script src="/host.js"></script></head><body><h1>A blog post</h1><div id="frames"></div></body></html>`;
const HOST_JS = `
window.events = [];
window.addEventListener('message', (e) => {
  if (!e.data || e.data.source !== '${SOURCE}') return;
  const frame = [...document.querySelectorAll('iframe')].find((f) => f.contentWindow === e.source);
  window.events.push({ ...e.data, origin: e.origin, frame: frame ? frame.id : null });
});
window.addFrame = (id, src, style) => {
  const f = document.createElement('iframe');
  f.id = id; f.src = src; f.width = 900; f.height = 600; f.title = id;
  if (style) f.style.cssText = style;
  document.getElementById('frames').append(f);
};
window.send = (id, message, raw) => document.getElementById(id).contentWindow.postMessage(raw ? message : { source: '${SOURCE}', version: 1, ...message }, '*');
`;

let tmp, frameServer, frameOrigin, hostServer, hostOrigin, browser;

before(async () => {
  // dist/ mounted under a sub-path of the frame's origin
  tmp = mkdtempSync(join(tmpdir(), 'attnsvm-embed-'));
  mkdirSync(join(tmp, 'sub'));
  symlinkSync(join(root, 'dist'), join(tmp, 'sub', 'playground'));
  let url;
  ({ server: frameServer, url } = await serve(tmp, 0));
  frameOrigin = url.replace(/\/$/, '');
  hostServer = createServer((req, res) => {
    const body = req.url.startsWith('/host.js') ? HOST_JS : HOST_HTML;
    res.writeHead(200, { 'Content-Type': req.url.startsWith('/host.js') ? 'text/javascript' : 'text/html; charset=utf-8' });
    res.end(body);
  });
  await new Promise((ok) => hostServer.listen(0, '127.0.0.1', ok));
  hostOrigin = `http://127.0.0.1:${hostServer.address().port}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  frameServer?.close();
  hostServer?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const playground = (query) => `${frameOrigin}/sub/playground/?${query}`;

/** A host page with its console watched and every failed request recorded. */
async function hostPage() {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const problems = await watch(page);
  const failed = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(`${hostOrigin}/post.html`);
  return { page, problems, failed, close: async () => (await assertClean(page, [hostOrigin, frameOrigin]), await context.close()) };
}

/** Waits for an event of a frame matching predicate; returns it. */
async function waitForEvent(page, frame, type, predicate = () => true, timeout = 30000) {
  const t0 = Date.now();
  for (;;) {
    const events = await page.evaluate(([f, t]) => window.events.filter((e) => e.frame === f && e.type === t), [frame, type]);
    const hit = events.find(predicate);
    if (hit) return hit;
    if (Date.now() - t0 > timeout) throw new Error(`no ${type} event from ${frame} within ${timeout} ms`);
    await page.waitForTimeout(50);
  }
}

const frameOf = (page, id) => page.frames().find((f) => f.name() === id || f.url().includes(`frame=${id}`));

describe('embedding the built page', () => {
  test('a host on another origin drives the frame from a sub-path by postMessage', async () => {
    const { page, problems, failed, close } = await hostPage();
    await page.evaluate((src) => window.addFrame('a', src), playground('embed=1&views=heatmap,corr&autoplay=0&frame=a'));
    const ready = await waitForEvent(page, 'a', 'ready');
    assert.equal(ready.origin, frameOrigin);
    assert.equal(ready.version, 1);
    const resize = await waitForEvent(page, 'a', 'resize');
    assert.ok(resize.height > 100, `resize height ${resize.height}`);
    const frame = frameOf(page, 'a');
    assert.ok(await frame.evaluate(() => document.body.classList.contains('embed')));
    assert.equal(await isPlaying(frame), false, 'autoplay=0: the frame waits');

    // play → snapshots with a rising step; pause; step; getState
    await page.evaluate(() => window.send('a', { type: 'play', id: 'p1' }));
    await waitForEvent(page, 'a', 'ack', (e) => e.id === 'p1');
    const snap = await waitForEvent(page, 'a', 'snapshot', (e) => e.step > 20 && e.playing);
    assert.ok(Number.isFinite(snap.metrics.loss) && 'corr_fro' in snap.metrics, JSON.stringify(snap.metrics));
    await page.evaluate(() => window.send('a', { type: 'pause', id: 'p2' }));
    await waitForEvent(page, 'a', 'ack', (e) => e.id === 'p2');
    await page.evaluate(() => window.send('a', { type: 'getState', id: 'g1' }));
    const s1 = await waitForEvent(page, 'a', 'state', (e) => e.id === 'g1');
    assert.equal(s1.playing, false);
    assert.match(s1.query, /embed=1/);
    await page.evaluate(() => window.send('a', { type: 'step', count: 10, id: 's1' }));
    await waitForEvent(page, 'a', 'ack', (e) => e.id === 's1');
    await page.evaluate(() => window.send('a', { type: 'getState', id: 'g2' }));
    const s2 = await waitForEvent(page, 'a', 'state', (e) => e.id === 'g2');
    assert.equal(s2.step, s1.step + 10);

    // setState goes through the typed schema: the run restarts with plain GD
    await page.evaluate(() => window.send('a', { type: 'setState', id: 'set', state: { opt: 'gd', lr: 0.5, cmap: 'cividis' } }));
    const s3 = await waitForEvent(page, 'a', 'state', (e) => e.id === 'set');
    assert.match(s3.query, /opt=gd/);
    assert.match(s3.query, /lr=0\.5/);
    assert.equal(s3.step, 0);
    assert.equal(await frame.inputValue('#ctl-optimizer'), 'gd');
    assert.match(frame.url(), /opt=gd/);

    // malformed, unknown and other-version messages are ignored: no reply, no change
    const before = await page.evaluate(() => window.events.length);
    await page.evaluate(() => {
      window.send('a', { type: 'play', id: 'bad1' }, true); // no source or version
      window.send('a', { type: 'step', count: -3, id: 'bad2' });
      window.send('a', { type: 'step', count: 1.5, id: 'bad3' });
      window.send('a', { source: 'attention-svm-playground', version: 2, type: 'play', id: 'bad4' }, true);
      window.send('a', { type: 'explode', id: 'bad5' });
      window.send('a', { type: 'setState', id: 'bad6', state: { notAKey: 1 } });
      window.send('a', { type: 'setState', id: 'bad7', state: 'lr=fast' });
      window.send('a', { type: 'setState', id: 'bad8', state: { opt: 'adam' } });
      window.send('a', { type: 'setState', id: 'bad9', state: { lr: { value: 1 } } });
      window.send('a', 'play', true);
      window.send('a', null, true);
    });
    await page.waitForTimeout(800);
    const after = await page.evaluate((n) => window.events.slice(n).filter((e) => e.type !== 'snapshot' && e.type !== 'resize'), before);
    assert.deepEqual(after, []);
    assert.equal(await isPlaying(frame), false);

    // converged: once per run, when a correlation with an SVM first reaches 0.999 (Polyak on global data)
    await page.evaluate(() => window.send('a', { type: 'setState', id: 'fast', state: 'data=global&opt=polyak' }));
    await waitForEvent(page, 'a', 'state', (e) => e.id === 'fast');
    await page.evaluate(() => window.send('a', { type: 'step', count: 300 }));
    const converged = await waitForEvent(page, 'a', 'converged');
    assert.equal(converged.norm, 'fro');
    assert.ok(converged.corr >= 0.999 && converged.step <= 300, JSON.stringify(converged));
    assert.deepEqual(failed, [], 'every file of dist/ loads from the sub-path');
    assert.deepEqual(problems, []);
    await close();
  });

  test('setState and getState carry compare mode: the frame starts run B and steps both runs', async () => {
    const { page, problems, failed, close } = await hostPage();
    await page.evaluate((src) => window.addFrame('c', src), playground('embed=1&views=heatmap,loss&autoplay=0&frame=c'));
    await waitForEvent(page, 'c', 'ready');
    const frame = frameOf(page, 'c');
    await page.evaluate(() => window.send('c', { type: 'setState', id: 'cmp', state: { cmp: 1, b_opt: 'gd', b_lr: 1 } }));
    const state = await waitForEvent(page, 'c', 'state', (e) => e.id === 'cmp');
    assert.match(state.query, /cmp=1&b_opt=gd&b_lr=1/);
    await page.evaluate(() => window.send('c', { type: 'step', count: 50, id: 'cs' }));
    await waitForEvent(page, 'c', 'ack', (e) => e.id === 'cs');
    await frame.waitForSelector('.metrics-b[data-step="50"]');
    await frame.waitForSelector('#metrics[data-step="50"]');
    assert.ok(await frame.isVisible('.view-heatmap-b'), "run B's heatmap shows with views=heatmap");
    assert.deepEqual(problems, []);
    assert.deepEqual(failed, []);
    await close();
  });

  test('allowedOrigins: a host outside the list is ignored, a listed one is obeyed', async () => {
    const { page, problems, close } = await hostPage();
    await page.evaluate(
      ([b, c]) => {
        window.addFrame('b', b);
        window.addFrame('c', c);
      },
      [
        playground('embed=1&autoplay=0&allowedOrigins=https://blog.example.org&frame=b'),
        playground(`embed=1&autoplay=0&allowedOrigins=${encodeURIComponent(hostOrigin)}&frame=c`),
      ],
    );
    await waitForEvent(page, 'c', 'ready');
    const b = frameOf(page, 'b');
    await b.waitForFunction(() => document.querySelector('#metrics')?.dataset.step === '0');
    await page.evaluate(() => {
      for (const id of ['b', 'c']) {
        window.send(id, { type: 'play', id: `${id}-play` });
        window.send(id, { type: 'getState', id: `${id}-get` });
      }
    });
    await waitForEvent(page, 'c', 'state', (e) => e.id === 'c-get');
    await page.waitForTimeout(1000);
    assert.deepEqual(await page.evaluate(() => window.events.filter((e) => e.frame === 'b')), [], 'frame b neither answers nor reports');
    assert.equal(await isPlaying(b), false, 'frame b did not obey play');
    assert.equal(await b.getAttribute('#metrics', 'data-step'), '0');
    assert.ok(await isPlaying(frameOf(page, 'c')), 'frame c obeyed play');
    assert.deepEqual(problems, []);
    await close();
  });

  test('the <attention-svm-playground> element wraps the frame and follows its height', async () => {
    const { page, problems, close } = await hostPage();
    await page.evaluate(
      ({ script }) =>
        new Promise((ok) => {
          const s = document.createElement('script');
          s.src = script;
          s.onload = ok;
          document.head.append(s);
        }),
      { script: `${frameOrigin}/sub/playground/attention-svm-playground.js` },
    );
    await page.evaluate(() => {
      const e = document.createElement('attention-svm-playground');
      e.id = 'el';
      e.setAttribute('preset', 'tfsvm-2d');
      e.setAttribute('data', 'toy');
      e.setAttribute('views', 'tokens');
      e.setAttribute('autoplay', '0');
      e.setAttribute('hide', 'lr');
      window.ready = new Promise((ok) => e.addEventListener('playground-ready', ok));
      document.getElementById('frames').append(e);
    });
    await page.evaluate(() => window.ready);
    const state = await page.evaluate(() => document.getElementById('el').getState());
    assert.match(state.query, /preset=tfsvm-2d/);
    assert.match(state.query, /lr_hide=1/);
    assert.match(await page.getAttribute('#el iframe', 'src'), /^http:\/\/127\.0\.0\.1:\d+\/sub\/playground\/index\.html\?/);
    await page.waitForFunction(() => parseInt(document.querySelector('#el iframe').style.height) !== 560);
    await page.evaluate(() => document.getElementById('el').step(5));
    const after = await page.evaluate(() => document.getElementById('el').getState());
    assert.equal(after.step, 5);
    assert.deepEqual(problems, []);
    await close();
  });

  test('an embedded frame pauses while scrolled off screen and resumes when visible', async () => {
    const { page, problems, close } = await hostPage();
    await page.evaluate((src) => {
      window.addFrame('d', src);
      const spacer = document.createElement('div');
      spacer.style.height = '4000px';
      document.body.append(spacer);
    }, playground('embed=1&views=heatmap&speed=1&frame=d'));
    await waitForEvent(page, 'd', 'ready');
    const d = frameOf(page, 'd');
    const stage = async (what, wait) => {
      try {
        await wait();
      } catch (e) {
        const seen = await d.evaluate(
          () => `visible=${document.body.dataset.visible} play="${document.querySelector('#play').textContent}"`,
        );
        throw new Error(`${what}: ${e.message.split('\n')[0]} (${seen})`);
      }
    };
    await stage('autoplay', () => d.waitForFunction(() => document.querySelector('#play').textContent.includes('pause')));
    await page.evaluate(() => window.scrollTo(0, 3500));
    await stage('off screen', () =>
      d.waitForFunction(
        () => document.body.dataset.visible === 'false' && document.querySelector('#play').textContent.includes('play'),
        null,
        { polling: 100 },
      ),
    );
    // the engine itself stopped (the frame's own rendering stops off screen anyway)
    await page.evaluate(() => window.send('d', { type: 'getState', id: 'off1' }));
    const off1 = await waitForEvent(page, 'd', 'state', (e) => e.id === 'off1');
    await page.waitForTimeout(600);
    await page.evaluate(() => window.send('d', { type: 'getState', id: 'off2' }));
    const off2 = await waitForEvent(page, 'd', 'state', (e) => e.id === 'off2');
    assert.equal(off1.playing, false);
    assert.equal(off2.step, off1.step, 'no steps while off screen');
    const paused = off2.step;
    await page.evaluate(() => window.scrollTo(0, 0));
    await stage('back on screen', () =>
      d.waitForFunction(
        () => document.body.dataset.visible === 'true' && document.querySelector('#play').textContent.includes('pause'),
        null,
        { polling: 100 },
      ),
    );
    await waitForMetricsStep(d, (s) => s > paused);
    assert.deepEqual(problems, []);
    await close();
  });

  test('embed.html is the page in the embed layout, with its query (no redirect)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = await watch(page);
    await page.goto(`${frameOrigin}/sub/playground/embed.html?preset=tfsvm-w&controls=none`);
    await page.waitForSelector('body.embed');
    await waitForMetricsStep(page, (s) => s >= 0);
    assert.match(page.url(), /\/sub\/playground\/embed\.html\?.*preset=tfsvm-w/);
    assert.equal(await page.isVisible('.runbar'), false, 'controls=none hides the run bar');
    assert.equal(await page.isVisible('header.top'), false);
    const open = await page.getAttribute('.open-full', 'href');
    assert.doesNotMatch(open, /embed=1/);
    assert.match(open, /\/sub\/playground\/index\.html\?.*preset=tfsvm-w/, 'the full page is index.html');
    assert.deepEqual(problems, []);
    await assertClean(page, [frameOrigin]);
    await context.close();
  });

  test('the share panel builds embed code from the current state, with a live preview', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const problems = await watch(page);
    await page.goto(playground('lr=0.3&autoplay=0'));
    await waitForMetricsStep(page, (s) => s === 0);
    await page.click('#share');
    // the panel is built when first opened (share.ts loads then): it says so on the button once open
    await page.waitForSelector('#share[aria-expanded="true"]');
    assert.match(await page.inputValue('#share-link'), /\/sub\/playground\/\?lr=0\.3$/);
    await page.uncheck('.share-views input[value="tokens"]');
    await page.check('.share-views input[value="margin"]');
    await page.selectOption('.share-embed select', 'none');
    const code = await page.inputValue('#embed-code');
    assert.match(
      code,
      /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/sub\/playground\/\?[^"]*embed=1[^"]*" width="720" height="560" loading="lazy" title="[^"]+"/,
    );
    assert.match(code, /views=heatmap%2Ccurves%2Cmargin|views=heatmap,curves,margin/);
    assert.match(code, /controls=none/);
    assert.match(code, /lr=0\.3/);
    assert.match(code, /&amp;/, 'the src attribute is escaped');
    const preview = await (await page.waitForSelector('iframe.embed-preview[src*="embed=1"]')).contentFrame();
    await preview.waitForSelector('body.embed');
    await waitForMetricsStep(preview, (s) => s >= 0);
    assert.match(preview.url(), /controls=none/);
    await page.focus('#embed-code');
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('#share-panel'), false, 'escape closes the panel');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'share', 'focus returns to the share button');
    assert.deepEqual(problems, []);
    await assertClean(page, [frameOrigin]);
    await context.close();
  });
});
