// Exports of every view: PNG (the view's canvases, or the SVM panel's text; a tEXt chunk holds the state
// URL), SVG of the curves (vector; the URL in <metadata>), CSV (a leading `# url=` line) and JSON (a `url`
// field) of the curves' history, of the attention history (every snapshot's attention the page received
// in this run) and of the SVM references; "export all" puts every one of them in one ZIP archive. Numbers
// are the engine's, written as received. This module adds the buttons and records the attention history;
// export-files.ts makes the files, loaded with the first export rather than with the page's first view.
import type { Snapshot } from './engine/index.js';
import type { PageApi } from './page.js';
import type { Format } from './export-files.js';
import { playgroundUrl } from './embed/links.js';
import { el } from './dom.js';

/** Attention frames kept per run (older ones are thinned to every other)… */
const MAX_FRAMES = 512;
/** …and at most this many probabilities in all (16 MB), whatever n, T and the heads. */
const MAX_VALUES = 2_000_000;

/** One recorded attention snapshot. */
interface Frame {
  step: number;
  /** Per head: n×T probabilities, row-major. */
  attention: number[][];
}

/** Saves a blob as a download named `name`. */
function download(blob: Blob, name: string): void {
  const a = el('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 30000);
}

/** Records the attention of every snapshot of the run, for the attention-history exports. */
class AttentionRecorder {
  frames: Frame[] = [];
  n = 0;
  T = 0;
  heads = 0;

  add(snap: Snapshot): void {
    const last = this.frames[this.frames.length - 1];
    if (last && snap.step < last.step) this.frames = [];
    if (last && snap.step === last.step) return;
    this.n = snap.n;
    this.T = snap.T;
    this.heads = snap.heads;
    this.frames.push({ step: snap.step, attention: snap.attention.map((a) => Array.from(a.data)) });
    const limit = Math.max(8, Math.min(MAX_FRAMES, Math.floor(MAX_VALUES / Math.max(1, snap.n * snap.T * snap.heads))));
    if (this.frames.length > limit) this.frames = this.frames.filter((_, k) => k % 2 === 0 || k === this.frames.length - 1);
  }
}

/** Export buttons per panel. */
const PANELS: { selector: string; name: string; label: string; formats: Format[] }[] = [
  { selector: '.view-heatmap', name: 'attention', label: 'attention heatmap', formats: ['png', 'attention-csv', 'attention-json'] },
  { selector: '.view-tokens', name: 'tokens', label: 'token plane', formats: ['png'] },
  { selector: '.view-matrices', name: 'matrices', label: 'matrices', formats: ['png'] },
  { selector: '.view-svm', name: 'svm', label: 'SVM references', formats: ['png', 'json'] },
  { selector: '.view-curves', name: 'curves', label: 'curves', formats: ['png', 'svg', 'csv', 'json'] },
];

const BUTTON_TEXT: Record<Format, string> = {
  png: 'PNG',
  svg: 'SVG',
  csv: 'CSV',
  json: 'JSON',
  'attention-csv': 'history CSV',
  'attention-json': 'history JSON',
};

/** Adds the export buttons to every view, and "export all" (one archive) to the header. */
export function installExports(api: PageApi): void {
  const recorder = new AttentionRecorder();
  api.client.onSnapshot((snap) => recorder.add(snap));

  const run = async (panel: HTMLElement, name: string, format: Format) => {
    const url = playgroundUrl(api.state());
    const { exportFile, needsHistory } = await import('./export-files.js');
    const snap = needsHistory(format) ? await api.client.snapshot({ history: true }) : api.client.latest;
    const { name: fileName, blob } = await exportFile(panel, name, format, url, snap, recorder);
    download(blob, fileName);
  };

  for (const spec of PANELS) {
    const panel = document.querySelector<HTMLElement>(spec.selector);
    if (!panel) continue;
    const bar = el('div', 'export-bar');
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', `export the ${spec.label}`);
    for (const format of spec.formats) {
      const b = el('button', 'export', BUTTON_TEXT[format]);
      b.type = 'button';
      b.dataset.export = format;
      b.setAttribute('aria-label', `export the ${spec.label} as ${BUTTON_TEXT[format]}`);
      b.addEventListener('click', () => void run(panel, spec.name, format).catch((e: Error) => console.warn(`export: ${e.message}`)));
      bar.append(b);
    }
    panel.querySelector('h2')?.after(bar);
  }

  const all = el('button', '', 'export all');
  all.type = 'button';
  all.id = 'export-all';
  all.title = 'Every view as PNG, the curves as SVG, CSV and JSON, the attention history and the SVM references: one .zip';
  all.addEventListener('click', () => {
    all.disabled = true;
    void import('./export-files.js')
      .then(({ exportAll }) => exportAll(api, recorder, PANELS))
      .then(({ name, blob }) => download(blob, name))
      .catch((e: Error) => console.warn(`export: ${e.message}`))
      .finally(() => (all.disabled = false));
  });
  document.getElementById('share')?.after(all);
}
