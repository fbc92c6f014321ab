// Attention heatmap: sequences × tokens softmax probabilities per head on viridis, with a legend; the
// SVM's (optimal) token is outlined, the current argmax dotted; hovering shows the values.
// Two scales (the `attn` URL field): `s`, the engine's s_it on [0, 1], and `log`, log10 of the engine's s_it
// on the fixed range LOG_FLOOR … 0, so the sparsification keeps showing after the linear map has turned
// one-hot (a value below 10^LOG_FLOOR, or an s the core gave as exactly 0, takes the floor's colour).
// When there are many more sequences than tokens (n ≫ T, e.g. 200 images × 16 patches) the rows wrap into
// side-by-side blocks, each labelled with the range of sequences it holds.
import type { Snapshot } from '../engine/index.js';
import { css, sequential } from '../colormap.js';
import { el, fmt } from '../dom.js';
import { fitCanvas, theme, widthOf } from './canvas.js';
import type { View } from './view.js';

const LEGEND_H = 34;
const HEAD_GAP = 14;
const BLOCK_GAP = 8;
const LABEL_W = 22;
const TITLE_H = 16;
/** The tallest grid before the rows wrap into blocks (css px). */
const MAX_GRID_H = 400;
const MAX_CELL = 36;
const MIN_CELL = 3;
/** Rows wrap into blocks only when one block's cells would be smaller than this. */
const WRAP_BELOW = 8;
/** The log scale's floor: log10 s ≤ LOG_FLOOR takes the lowest colour. */
export const LOG_FLOOR = -12;
/** Performance mark set when the page's first heatmap is drawn (read by bench/page_bench.mjs). */
export const FIRST_HEATMAP_MARK = 'attnsvm:first-heatmap';
let firstHeatmapMarked = false;

/** The scale every heatmap draws on (the `attn` field): 's' (linear) or 'log' (log10 s). */
let scale: 'RAW' | 'LOG' = 'RAW';

/** Chooses the heatmaps' scale; returns whether it changed. */
export function setAttentionScale(name: string): boolean {
  const next = name === 'log' ? 'LOG' : 'RAW';
  if (next === scale) return false;
  scale = next;
  return true;
}

/** The colour position in [0, 1] of an attention value s (as the engine gave it) on the current scale. */
export function scalePosition(s: number): number {
  if (scale === 'RAW') return s;
  const l = s > 0 ? Math.log10(s) : LOG_FLOOR;
  return l <= LOG_FLOOR ? 0 : l >= 0 ? 1 : (l - LOG_FLOOR) / -LOG_FLOOR;
}

/**
 * Where the cells go: each head's n rows are cut into `blocks` side-by-side blocks of `rows` rows (one
 * block unless n ≫ T), cells of `cell` px. Chooses the block count that gives the largest cells.
 */
export function heatmapLayout(n: number, T: number, heads: number, width: number): { cell: number; blocks: number; rows: number } {
  let best = { cell: 0, blocks: 1, rows: n };
  const maxBlocks = Math.max(1, Math.min(n, Math.floor(width / (LABEL_W + T * MIN_CELL))));
  for (let blocks = 1; blocks <= maxBlocks; ++blocks) {
    const rows = Math.ceil(n / blocks);
    // the last block must hold some rows (n = 5 in 4 blocks of 2 leaves one empty)
    if (blocks > 1 && rows * (blocks - 1) >= n) continue;
    const free = width - heads * blocks * LABEL_W - (heads - 1) * HEAD_GAP - heads * (blocks - 1) * BLOCK_GAP;
    const cell = Math.min(MAX_CELL, Math.floor(free / (heads * blocks * T)), Math.floor(MAX_GRID_H / rows));
    if (cell > best.cell) best = { cell, blocks, rows };
    // one block while its cells stay readable: wrapping is for the thin strips of n ≫ T
    if (blocks === 1 && cell >= WRAP_BELOW) break;
  }
  best.cell = Math.max(MIN_CELL, best.cell);
  return best;
}

/** The attention heatmap view. */
export class HeatmapView implements View {
  readonly element = el('section', 'panel view-heatmap');
  private canvas = el('canvas');
  private tip = el('div', 'tip');
  private last: Snapshot | null = null;
  private geometry = { cell: 16, blocks: 1, rows: 0 };
  private title: HTMLElement;

  constructor(title = 'Attention s') {
    const h = el('h2', '', title);
    this.title = h;
    const note = el('p', 'note', 'rows: sequences i · columns: tokens t · □ optimal token α_i · ● current argmax');
    this.canvas.setAttribute('aria-label', 'attention heatmap');
    this.element.append(h, note, this.canvas, this.tip);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => (this.tip.hidden = true));
    this.tip.hidden = true;
  }

  /** Renames the panel (compare mode names the run). */
  setTitle(title: string): void {
    this.title.textContent = title;
  }

  /** The x of block b of head h (its label column's left edge). */
  private blockX(h: number, b: number, T: number): number {
    const { cell, blocks } = this.geometry;
    const blockW = LABEL_W + cell * T;
    const headW = blocks * blockW + (blocks - 1) * BLOCK_GAP;
    return h * (headW + HEAD_GAP) + b * (blockW + BLOCK_GAP);
  }

  render(snap: Snapshot): void {
    this.last = snap;
    const { n, T, heads } = snap;
    // the panel's content box: its width less the padding (the heads' grids must not run past the border)
    const style = getComputedStyle(this.element);
    const width = widthOf(this.element) - (parseFloat(style.paddingLeft) || 0) - (parseFloat(style.paddingRight) || 0) - 2;
    this.geometry = heatmapLayout(n, T, heads, width);
    const { cell, blocks, rows } = this.geometry;
    const titled = heads > 1 || blocks > 1;
    const height = TITLE_H + cell * rows + LEGEND_H;
    const legendW = Math.min(220, width - LABEL_W - 10);
    const gridsW = this.blockX(heads - 1, blocks - 1, T) + LABEL_W + cell * T;
    const ctx = fitCanvas(this.canvas, Math.min(width, Math.max(gridsW, LABEL_W + legendW + 12)), height);
    const th = theme();
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let h = 0; h < heads; ++h) {
      const A = snap.attention[h];
      for (let b = 0; b < blocks; ++b) {
        const x0 = this.blockX(h, b, T) + LABEL_W;
        const first = b * rows;
        const last = Math.min(n, first + rows) - 1;
        if (titled) {
          const parts = [heads > 1 ? `head ${h + 1}` : '', blocks > 1 ? `i ${first}–${last}` : ''].filter(Boolean);
          ctx.fillStyle = th.muted;
          ctx.textAlign = 'left';
          ctx.fillText(parts.join(' · '), x0 - (blocks > 1 ? LABEL_W : 0), TITLE_H / 2);
        }
        for (let i = first; i <= last; ++i) {
          const y = TITLE_H + (i - first) * cell;
          for (let t = 0; t < T; ++t) {
            ctx.fillStyle = css(sequential(scalePosition(A.data[i * T + t])));
            ctx.fillRect(x0 + t * cell, y, cell, cell);
          }
          const opt = snap.optimal[h]?.[i] ?? -1;
          const sel = snap.selected[h]?.[i] ?? -1;
          if (opt >= 0 && cell >= 5) {
            ctx.lineWidth = 2;
            ctx.strokeStyle = '#ff3b30';
            ctx.strokeRect(x0 + opt * cell + 1, y + 1, cell - 2, cell - 2);
          }
          if (sel >= 0) {
            ctx.fillStyle = '#ffffff';
            ctx.strokeStyle = '#000000';
            ctx.lineWidth = 1;
            ctx.beginPath();
            ctx.arc(x0 + (sel + 0.5) * cell, y + cell / 2, Math.max(1.5, cell / 7), 0, 2 * Math.PI);
            ctx.fill();
            ctx.stroke();
          }
        }
        // row labels
        ctx.fillStyle = th.muted;
        ctx.textAlign = 'right';
        if (cell >= 10) for (let i = first; i <= last; ++i) ctx.fillText(String(i), x0 - 4, TITLE_H + (i - first + 0.5) * cell);
      }
    }
    this.legend(ctx, TITLE_H + rows * cell + 8, legendW, th.fg);
    if (!firstHeatmapMarked) {
      firstHeatmapMarked = true;
      performance.mark(FIRST_HEATMAP_MARK);
    }
  }

  private legend(ctx: CanvasRenderingContext2D, y: number, w: number, fg: string): void {
    const x0 = LABEL_W;
    for (let k = 0; k < w; ++k) {
      ctx.fillStyle = css(sequential(k / (w - 1)));
      ctx.fillRect(x0 + k, y, 1, 10);
    }
    ctx.fillStyle = fg;
    ctx.textBaseline = 'top';
    const labels: [string, string, string] =
      scale === 'LOG' ? [`s ≤ 1e${LOG_FLOOR}`, `log10 s = ${LOG_FLOOR / 2}`, '1'] : ['0', 's = 0.5', '1'];
    ctx.textAlign = 'left';
    ctx.fillText(labels[0], x0, y + 13);
    ctx.textAlign = 'center';
    ctx.fillText(labels[1], x0 + w / 2, y + 13);
    ctx.textAlign = 'right';
    ctx.fillText(labels[2], x0 + w, y + 13);
  }

  private hover(e: MouseEvent): void {
    const snap = this.last;
    if (!snap) return;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top - TITLE_H;
    const { cell, blocks, rows } = this.geometry;
    let found: { h: number; b: number; t: number } | null = null;
    for (let h = 0; h < snap.heads && !found; ++h)
      for (let b = 0; b < blocks && !found; ++b) {
        const x0 = this.blockX(h, b, snap.T) + LABEL_W;
        if (x >= x0 && x < x0 + cell * snap.T) found = { h, b, t: Math.floor((x - x0) / cell) };
      }
    const r = Math.floor(y / cell);
    const i = found ? found.b * rows + r : -1;
    if (!found || r < 0 || r >= rows || i >= snap.n) {
      this.tip.hidden = true;
      return;
    }
    const { h, t } = found;
    const s = snap.attention[h].data[i * snap.T + t];
    const l = snap.log1mAttention[h].data[i * snap.T + t];
    const tags = [snap.optimal[h]?.[i] === t ? 'optimal' : '', snap.selected[h]?.[i] === t ? 'argmax' : ''].filter(Boolean);
    this.tip.textContent =
      `${snap.heads > 1 ? `head ${h + 1}, ` : ''}sequence ${i}, token ${t}: s = ${fmt(s, 6)}` +
      (scale === 'LOG' ? `, log10 s = ${s > 0 ? fmt(Math.log10(s), 4) : '−∞'}` : '') +
      `, log10(1−s) = ${fmt(l, 4)}` +
      (tags.length ? ` (${tags.join(', ')})` : '');
    this.tip.hidden = false;
    this.tip.style.left = `${e.clientX - this.element.getBoundingClientRect().left + 12}px`;
    this.tip.style.top = `${e.clientY - this.element.getBoundingClientRect().top + 12}px`;
  }
}
