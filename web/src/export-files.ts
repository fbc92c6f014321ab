// The export files of export.ts's buttons, loaded with the first export (not with the page's first view):
// PNG (the view's canvases, or the SVM panel's text; a tEXt chunk holds the state URL), SVG of the curves,
// CSV and JSON of the curves' history, of the attention history and of the SVM references, and the ZIP of
// "export all". Numbers are the engine's, written as received.
import type { Snapshot } from './engine/index.js';
import type { PageApi } from './page.js';
import { NORM_COLORS } from './colormap.js';
import { playgroundUrl } from './embed/links.js';
import { withTextChunk } from './png.js';
import { zipArchive } from './zip.js';
import { el } from './dom.js';
import { theme } from './views/canvas.js';

export type Format = 'png' | 'svg' | 'csv' | 'json' | 'attention-csv' | 'attention-json';

/** The attention history export.ts records: per snapshot, per head, n×T probabilities (row-major). */
export interface RecordedAttention {
  frames: { step: number; attention: number[][] }[];
  n: number;
  T: number;
  heads: number;
}

/** XML text escaping. */
const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A CSV cell: numbers as JavaScript writes them (round-trip exact), empty for missing. */
const cell = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '' : String(x));

/** A text-only panel (the SVM panel) drawn as wrapped lines of its headings and paragraphs. */
function textCanvas(panel: HTMLElement): HTMLCanvasElement {
  const out = el('canvas');
  const width = 720;
  const ratio = Math.min(2, window.devicePixelRatio || 1);
  const ctx = out.getContext('2d')!;
  const font = (bold: boolean) => `${bold ? '600 ' : ''}13px system-ui, sans-serif`;
  const lines: { text: string; bold: boolean }[] = [];
  for (const e of panel.querySelectorAll('h2, h3, p')) {
    const bold = e.tagName !== 'P';
    ctx.font = font(bold);
    let line = '';
    for (const word of (e.textContent ?? '').split(/\s+/)) {
      const next = line ? `${line} ${word}` : word;
      if (line && ctx.measureText(next).width > width - 24) {
        lines.push({ text: line, bold });
        line = word;
      } else line = next;
    }
    if (line) lines.push({ text: line, bold });
  }
  out.width = width * ratio;
  out.height = (lines.length * 18 + 16) * ratio;
  ctx.scale(ratio, ratio);
  const th = theme();
  ctx.fillStyle = th.bg;
  ctx.fillRect(0, 0, width, lines.length * 18 + 16);
  ctx.fillStyle = th.fg;
  ctx.textBaseline = 'top';
  lines.forEach((l, k) => {
    ctx.font = font(l.bold);
    ctx.fillText(l.text, 12, 8 + 18 * k);
  });
  return out;
}

/** The panel's visible canvases stacked into one (device pixels), on the theme's background; its text when it has none. */
function compositeCanvas(panel: HTMLElement): HTMLCanvasElement {
  const canvases = [...panel.querySelectorAll('canvas')].filter((c) => c.width > 1 && c.height > 1 && c.offsetParent !== null);
  if (canvases.length === 0) return textCanvas(panel);
  const out = el('canvas');
  const gap = 8;
  out.width = Math.max(1, ...canvases.map((c) => c.width));
  out.height = Math.max(
    1,
    canvases.reduce((h, c) => h + c.height + gap, 0),
  );
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = theme().bg;
  ctx.fillRect(0, 0, out.width, out.height);
  let y = 0;
  for (const c of canvases) {
    ctx.drawImage(c, 0, y);
    y += c.height + gap;
  }
  return out;
}

/** A PNG of a canvas with the URL in a tEXt chunk. */
async function pngWithUrl(canvas: HTMLCanvasElement, url: string): Promise<Blob> {
  const blob = await new Promise<Blob>((ok, fail) =>
    canvas.toBlob((b) => (b ? ok(b) : fail(new Error('export: the canvas is empty'))), 'image/png'),
  );
  const bytes = withTextChunk(new Uint8Array(await blob.arrayBuffer()), 'URL', url);
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}

/** The history columns of a snapshot as CSV with a leading `# url=` comment line. */
function historyCsv(snap: Snapshot, url: string): string {
  const h = snap.history ?? {};
  const columns = ['step', ...snap.columns.filter((c) => h[c])];
  const rows = h.step?.length ?? 0;
  const lines = [`# url=${url}`, columns.join(',')];
  for (let r = 0; r < rows; ++r) lines.push(columns.map((c) => cell(h[c][r])).join(','));
  return lines.join('\n') + '\n';
}

/** The history as JSON: { url, step, columns, history: {column: [values]} }. */
function historyJson(snap: Snapshot, url: string): string {
  const history: Record<string, (number | null)[]> = {};
  for (const [k, v] of Object.entries(snap.history ?? {})) history[k] = Array.from(v, (x) => (Number.isFinite(x) ? x : null));
  return JSON.stringify({ url, generator: 'Attention SVM Playground', step: snap.step, columns: snap.columns, history });
}

/** The curves' groups of history columns for the SVG. */
const SVG_CHARTS: { title: string; log: boolean; match: (c: string) => boolean }[] = [
  { title: 'normalised margin (dashed: SVM margin)', log: false, match: (c) => /^(svm_)?margin_/.test(c) },
  { title: 'corr(W_t, W_mm)', log: false, match: (c) => c.startsWith('corr_') },
  { title: 'Bregman divergence (log10)', log: true, match: (c) => c.startsWith('bregman_') },
  { title: 'loss (log10)', log: true, match: (c) => c === 'loss' },
  { title: 'parameter norms (log10)', log: true, match: (c) => /^norm_/.test(c) },
  { title: 'log10(1 − s), worst sequence (optimal and selected tokens)', log: false, match: (c) => /^log10_1m_s_(opt|sel)$/.test(c) },
];

/** The curves as a vector SVG (log-x), with the URL in <metadata>. */
function curvesSvg(snap: Snapshot, url: string): string {
  const h = snap.history ?? {};
  const steps = h.step ?? new Float64Array();
  const W = 640;
  const H = 170;
  const pad = { l: 52, r: 12, t: 22, b: 22 };
  const keep = [...steps.keys()].filter((r) => steps[r] > 0);
  const xmax = Math.log10(Math.max(10, ...keep.map((r) => steps[r])));
  const parts: string[] = [];
  let y0 = 0;
  for (const chart of SVG_CHARTS) {
    const columns = snap.columns.filter((c) => chart.match(c) && h[c]);
    if (columns.length === 0) continue;
    const value = (c: string, r: number) => {
      const v = h[c][r];
      return chart.log ? (v > 0 ? Math.log10(v) : NaN) : v;
    };
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of columns)
      for (const r of keep) {
        const v = value(c, r);
        if (Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    if (!(hi > lo)) {
      lo = (Number.isFinite(lo) ? lo : 0) - 1;
      hi = lo + 2;
    }
    const X = (step: number) => pad.l + (Math.log10(step) / xmax) * (W - pad.l - pad.r);
    const Y = (v: number) => y0 + pad.t + (1 - (v - lo) / (hi - lo)) * (H - pad.t - pad.b);
    parts.push(`<g class="chart"><text x="${pad.l}" y="${y0 + 14}" font-size="12">${xml(chart.title)}</text>`);
    parts.push(
      `<rect x="${pad.l}" y="${y0 + pad.t}" width="${W - pad.l - pad.r}" height="${H - pad.t - pad.b}" fill="none" stroke="#ccc"/>`,
    );
    parts.push(`<text x="${pad.l - 4}" y="${y0 + pad.t + 8}" font-size="10" text-anchor="end">${xml(hi.toPrecision(3))}</text>`);
    parts.push(`<text x="${pad.l - 4}" y="${y0 + H - pad.b}" font-size="10" text-anchor="end">${xml(lo.toPrecision(3))}</text>`);
    columns.forEach((c, k) => {
      const norm = c.replace(/^(svm_margin|margin|corr|bregman|norm)_/, '');
      const color = NORM_COLORS[norm] ?? ['#D55E00', '#009E73', '#0072B2', '#CC79A7'][k % 4];
      const points = keep
        .map((r) => [X(steps[r]), Y(value(c, r))])
        .filter(([, y]) => Number.isFinite(y))
        .map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`)
        .join(' ');
      const dash = c.startsWith('svm_margin_') ? ' stroke-dasharray="5 4"' : '';
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.5"${dash} points="${points}"><title>${xml(c)}</title></polyline>`,
      );
      parts.push(
        `<text x="${W - pad.r - 4}" y="${y0 + pad.t + 12 + 12 * k}" font-size="10" text-anchor="end" fill="${color}">${xml(c)}</text>`,
      );
    });
    parts.push(`<text x="${W - pad.r}" y="${y0 + H - 6}" font-size="10" text-anchor="end">iteration (log) · last ${snap.step}</text></g>`);
    y0 += H;
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Math.max(y0, 40)}" ` +
    `viewBox="0 0 ${W} ${Math.max(y0, 40)}" font-family="system-ui, sans-serif">\n` +
    `<title>Attention SVM Playground: curves at step ${snap.step}</title>\n` +
    `<metadata><url xmlns="https://attention-svm-playground/">${xml(url)}</url></metadata>\n` +
    `<desc>Recreate this run: ${xml(url)}</desc>\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>\n${parts.join('\n')}\n</svg>\n`
  );
}

export function attentionCsv(rec: RecordedAttention, url: string): string {
  const lines = [`# url=${url}`, 'step,head,sequence,token,s'];
  for (const f of rec.frames)
    f.attention.forEach((a, h) => {
      for (let i = 0; i < rec.n; ++i) for (let t = 0; t < rec.T; ++t) lines.push(`${f.step},${h},${i},${t},${cell(a[i * rec.T + t])}`);
    });
  return lines.join('\n') + '\n';
}

export function attentionJson(rec: RecordedAttention, url: string): string {
  return JSON.stringify({
    url,
    generator: 'Attention SVM Playground',
    n: rec.n,
    T: rec.T,
    heads: rec.heads,
    frames: rec.frames.map((f) => ({
      step: f.step,
      attention: f.attention.map((a) => Array.from({ length: rec.n }, (_, i) => a.slice(i * rec.T, (i + 1) * rec.T))),
    })),
  });
}

/** The SVM references of a snapshot as JSON (matrices as nested arrays). */
function svmJson(snap: Snapshot, url: string): string {
  const references = snap.references.map((r) => ({
    norm: r.norm,
    head: r.head,
    p: r.p,
    status: r.status,
    reason: r.reason,
    normValue: r.normValue,
    margin: r.margin,
    gap: r.gap,
    violation: r.violation,
    alpha: Array.from(r.alpha),
    support: Array.from(r.support),
    lambda: Array.from(r.lambda),
    locallyOptimal: r.localOptimality.locallyOptimal,
    W: r.W ? Array.from({ length: r.W.rows }, (_, i) => Array.from(r.W!.data.slice(i * r.W!.cols, (i + 1) * r.W!.cols))) : null,
  }));
  return JSON.stringify({ url, generator: 'Attention SVM Playground', step: snap.step, references });
}

/** One exported file. */
export interface ExportFile {
  name: string;
  blob: Blob;
}

/** The file of one view (`name`, its `panel`) in one format, for the run at `url`. */
export async function exportFile(
  panel: HTMLElement,
  name: string,
  format: Format,
  url: string,
  snap: Snapshot | null,
  recorder: RecordedAttention,
): Promise<ExportFile> {
  const step = snap?.step ?? 0;
  const file = (ext: string, suffix = '') => `attention-svm-${name}${suffix}-step${step}.${ext}`;
  switch (format) {
    case 'png':
      return { name: file('png'), blob: await pngWithUrl(compositeCanvas(panel), url) };
    case 'svg':
      return { name: file('svg'), blob: new Blob([curvesSvg(snap!, url)], { type: 'image/svg+xml' }) };
    case 'csv':
      return { name: file('csv'), blob: new Blob([historyCsv(snap!, url)], { type: 'text/csv' }) };
    case 'json':
      return {
        name: file('json'),
        blob: new Blob([name === 'svm' ? svmJson(snap!, url) : historyJson(snap!, url)], { type: 'application/json' }),
      };
    case 'attention-csv':
      return { name: file('csv', '-history'), blob: new Blob([attentionCsv(recorder, url)], { type: 'text/csv' }) };
    case 'attention-json':
      return { name: file('json', '-history'), blob: new Blob([attentionJson(recorder, url)], { type: 'application/json' }) };
  }
}

/** Whether a format reads the worker's history (the others draw from what the page already has). */
export const needsHistory = (format: Format) => format === 'svg' || format === 'csv' || format === 'json';

/**
 * Every export of every shown view in one ZIP archive, with a README.txt holding the state URL: one
 * download, which no browser's limit on repeated downloads can block.
 */
export async function exportAll(
  api: PageApi,
  recorder: RecordedAttention,
  panels: readonly { selector: string; name: string; formats: readonly Format[] }[],
): Promise<ExportFile> {
  const url = playgroundUrl(api.state());
  const snap = await api.client.snapshot({ history: true });
  const files: ExportFile[] = [];
  for (const spec of panels) {
    const panel = document.querySelector<HTMLElement>(spec.selector);
    if (!panel || panel.offsetParent === null) continue;
    for (const format of spec.formats)
      files.push(await exportFile(panel, spec.name, format, url, needsHistory(format) ? snap : (api.client.latest ?? snap), recorder));
  }
  const step = snap?.step ?? 0;
  const readme = [
    `Attention SVM Playground: every view at step ${step}.`,
    `Recreate this run: ${url}`,
    '',
    'Files:',
    ...files.map((f) => `  ${f.name}`),
    '',
  ].join('\n');
  const encoder = new TextEncoder();
  const entries = [{ name: 'README.txt', data: encoder.encode(readme) }];
  for (const f of files) entries.push({ name: f.name, data: new Uint8Array(await f.blob.arrayBuffer()) });
  return { name: `attention-svm-step${step}.zip`, blob: await zipArchive(entries) };
}
