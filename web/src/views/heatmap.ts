// Attention heatmap: sequences × tokens softmax probabilities per head on viridis, with a legend; the
// SVM's (optimal) token is outlined, the current argmax dotted; hovering shows the values.
import type { Snapshot } from '../engine/index.js';
import { css, sequential } from '../colormap.js';
import { el, fmt } from '../dom.js';
import { fitCanvas, theme, widthOf } from './canvas.js';
import type { View } from './view.js';

const LEGEND_H = 34;
const HEAD_GAP = 14;
const LABEL_W = 22;
const TITLE_H = 16;
/** Performance mark set when the page's first heatmap is drawn (read by bench/page_bench.mjs). */
export const FIRST_HEATMAP_MARK = 'attnsvm:first-heatmap';
let firstHeatmapMarked = false;

/** The attention heatmap view. */
export class HeatmapView implements View {
  readonly element = el('section', 'panel view-heatmap');
  private canvas = el('canvas');
  private tip = el('div', 'tip');
  private last: Snapshot | null = null;
  private cell = 16;
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

  render(snap: Snapshot): void {
    this.last = snap;
    const { n, T, heads } = snap;
    const width = widthOf(this.element) - 4;
    const perHead = (width - LABEL_W - (heads - 1) * HEAD_GAP) / heads;
    this.cell = Math.max(3, Math.min(36, Math.floor(perHead / T), Math.floor(400 / n)));
    const gridW = this.cell * T;
    const height = TITLE_H + this.cell * n + LEGEND_H;
    const legendW = Math.min(220, width - LABEL_W - 10);
    const ctx = fitCanvas(
      this.canvas,
      Math.min(width, Math.max(LABEL_W + heads * gridW + (heads - 1) * HEAD_GAP, LABEL_W + legendW + 12)),
      height,
    );
    const th = theme();
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let h = 0; h < heads; ++h) {
      const x0 = LABEL_W + h * (gridW + HEAD_GAP);
      const A = snap.attention[h];
      if (heads > 1) {
        ctx.fillStyle = th.muted;
        ctx.textAlign = 'left';
        ctx.fillText(`head ${h + 1}`, x0, TITLE_H / 2);
      }
      for (let i = 0; i < n; ++i) {
        for (let t = 0; t < T; ++t) {
          ctx.fillStyle = css(sequential(A.data[i * T + t]));
          ctx.fillRect(x0 + t * this.cell, TITLE_H + i * this.cell, this.cell, this.cell);
        }
        const y = TITLE_H + i * this.cell;
        const opt = snap.optimal[h]?.[i] ?? -1;
        const sel = snap.selected[h]?.[i] ?? -1;
        if (opt >= 0 && this.cell >= 5) {
          ctx.lineWidth = 2;
          ctx.strokeStyle = '#ff3b30';
          ctx.strokeRect(x0 + opt * this.cell + 1, y + 1, this.cell - 2, this.cell - 2);
        }
        if (sel >= 0) {
          ctx.fillStyle = '#ffffff';
          ctx.strokeStyle = '#000000';
          ctx.lineWidth = 1;
          ctx.beginPath();
          ctx.arc(x0 + (sel + 0.5) * this.cell, y + this.cell / 2, Math.max(1.5, this.cell / 7), 0, 2 * Math.PI);
          ctx.fill();
          ctx.stroke();
        }
      }
    }
    // row labels
    ctx.fillStyle = th.muted;
    ctx.textAlign = 'right';
    if (this.cell >= 10) for (let i = 0; i < n; ++i) ctx.fillText(String(i), LABEL_W - 4, TITLE_H + (i + 0.5) * this.cell);
    this.legend(ctx, TITLE_H + n * this.cell + 8, legendW, th.fg);
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
    ctx.textAlign = 'left';
    ctx.fillText('0', x0, y + 13);
    ctx.textAlign = 'center';
    ctx.fillText('s = 0.5', x0 + w / 2, y + 13);
    ctx.textAlign = 'right';
    ctx.fillText('1', x0 + w, y + 13);
  }

  private hover(e: MouseEvent): void {
    const snap = this.last;
    if (!snap) return;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left - LABEL_W;
    const y = e.clientY - rect.top - TITLE_H;
    const gridW = this.cell * snap.T;
    const h = Math.floor(x / (gridW + HEAD_GAP));
    const t = Math.floor((x - h * (gridW + HEAD_GAP)) / this.cell);
    const i = Math.floor(y / this.cell);
    if (h < 0 || h >= snap.heads || t < 0 || t >= snap.T || i < 0 || i >= snap.n) {
      this.tip.hidden = true;
      return;
    }
    const s = snap.attention[h].data[i * snap.T + t];
    const l = snap.log1mAttention[h].data[i * snap.T + t];
    const tags = [snap.optimal[h]?.[i] === t ? 'optimal' : '', snap.selected[h]?.[i] === t ? 'argmax' : ''].filter(Boolean);
    this.tip.textContent =
      `${snap.heads > 1 ? `head ${h + 1}, ` : ''}sequence ${i}, token ${t}: s = ${fmt(s, 6)}, log10(1−s) = ${fmt(l, 4)}` +
      (tags.length ? ` (${tags.join(', ')})` : '');
    this.tip.hidden = false;
    this.tip.style.left = `${e.clientX - this.element.getBoundingClientRect().left + 12}px`;
    this.tip.style.top = `${e.clientY - this.element.getBoundingClientRect().top + 12}px`;
  }
}
