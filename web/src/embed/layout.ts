// Embed mode (`?embed=1`, or the embed entry embed.html): a chrome-free layout with the views listed in `views`, the run
// bar (`controls=min`), nothing (`none`) or every control (`full`), and a small "open in playground" link.
// In every mode, `<name>_hide=1` hides single controls (TF Playground's classroom mode).
import type { PageApi } from '../page.js';
import { SCHEMA, type State } from '../state.js';
import { el } from '../dom.js';
import { playgroundUrl } from './links.js';

/** The views an embed shows when `views` is empty. */
export const DEFAULT_EMBED_VIEWS = ['heatmap', 'tokens', 'curves'];

/** Panels by view name. */
const PANELS: Record<string, string> = {
  heatmap: '.view-heatmap, .view-heatmap-b',
  tokens: '.view-tokens',
  matrices: '.view-matrices',
  svm: '.view-svm',
  images: '.view-images',
  curves: '.view-curves',
  about: '#about',
};

/** The run bar's own controls by `<name>_hide` name. */
const PAGE_CONTROLS: Record<string, string> = {
  play: '#play',
  step: '#step',
  step100: '#step100',
  reset: '#reset',
  preset: '.preset-pick',
  share: '#share',
  exercises: '.exercise-pick',
};

/** Installs embed mode and the hide flags; returns its state listener. */
export function installEmbedLayout(api: PageApi): { stateChanged(state: State): void } {
  const open = el('a', 'open-full', 'open in playground ↗');
  open.target = '_blank';
  open.rel = 'noopener';
  const bar = el('div', 'embed-bar');
  bar.append(open);
  let embedded = false;

  const apply = (state: State) => {
    // single controls
    const hidden = new Set(state.hide);
    for (const f of SCHEMA) api.controls.rowOf(f.name)?.classList.toggle('ctl-hidden', hidden.has(f.key));
    for (const [name, selector] of Object.entries(PAGE_CONTROLS))
      for (const e of document.querySelectorAll(selector)) e.classList.toggle('ctl-hidden', hidden.has(name));
    if (!state.embed) {
      if (embedded) location.reload(); // leaving embed mode: the full page
      return;
    }
    if (!embedded) {
      embedded = true;
      document.body.classList.add('embed');
      document.querySelector('main.layout')?.before(bar);
    }
    open.href = playgroundUrl(state);
    document.body.dataset.controls = state.controls;
    // views
    const views = state.views.length > 0 ? state.views : DEFAULT_EMBED_VIEWS;
    const charts = [...document.querySelectorAll<HTMLElement>('.view-curves .chart')];
    const chartIds = charts.map((c) => c.dataset.chart ?? '');
    const someCharts = views.some((v) => chartIds.includes(v));
    for (const [name, selector] of Object.entries(PANELS)) {
      const on = views.includes(name) || (name === 'curves' && someCharts);
      for (const e of document.querySelectorAll(selector)) e.classList.toggle('embed-off', !on);
    }
    for (const c of charts) c.classList.toggle('embed-off', !views.includes('curves') && !views.includes(c.dataset.chart ?? ''));
    document.getElementById('controls')?.classList.toggle('embed-off', state.controls !== 'full');
    document.querySelector('.runbar')?.classList.toggle('embed-off', state.controls === 'none');
    for (const id of ['center', 'right']) {
      const col = document.getElementById(id);
      if (col)
        col.classList.toggle('embed-off', ![...col.children].some((c) => !c.classList.contains('embed-off') && !(c as HTMLElement).hidden));
    }
  };
  return { stateChanged: apply };
}
