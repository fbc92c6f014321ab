// Token plane (d = 2, or the first two coordinates when d = 3): tokens per sequence, the direction
// W_t z_i (prompt: p_t) against the SVM direction W_mm z_i with its margin line; tokens are draggable
// and a drop hands the edited tokens back to the page, which restarts the run on them.
import type { Matrix, Snapshot } from '../engine/index.js';
import { NORM_COLORS, sequenceColor } from '../colormap.js';
import { el } from '../dom.js';
import { fitCanvas, theme, widthOf } from './canvas.js';
import type { RunContext, View } from './view.js';

type Tokens = number[][][];

/** Called with the edited tokens X (n×T×d) when a drag ends. */
export type EditListener = (X: Tokens) => void;

const PAD = 18;

/** M v for a rows×cols matrix and a vector of length cols. */
function apply(m: Matrix, v: number[]): number[] {
  const out = new Array<number>(m.rows).fill(0);
  for (let r = 0; r < m.rows; ++r) for (let c = 0; c < m.cols; ++c) out[r] += m.data[r * m.cols + c] * (v[c] ?? 0);
  return out;
}

/** The token-plane view. */
export class TokenPlaneView implements View {
  readonly element = el('section', 'panel view-tokens');
  private canvas = el('canvas');
  private note = el('p', 'note');
  private X: Tokens = [];
  private z: number[][] | null = null;
  private selfQuery = false;
  private last: Snapshot | null = null;
  private drag: { i: number; t: number } | null = null;
  private moved = false;
  private view = { cx: 0, cy: 0, scale: 1, w: 300, h: 300 };

  constructor(private readonly onEdit: EditListener) {
    this.element.append(el('h2', '', 'Token plane'), this.note, this.canvas);
    this.canvas.setAttribute('aria-label', 'token plane');
    this.canvas.style.touchAction = 'none';
    this.canvas.addEventListener('pointerdown', (e) => this.down(e));
    this.canvas.addEventListener('pointermove', (e) => this.move(e));
    this.canvas.addEventListener('pointerup', (e) => this.up(e));
    this.canvas.addEventListener('pointercancel', () => (this.drag = null));
  }

  /** Whether the current data can be shown in the plane. */
  get active(): boolean {
    const d = this.X[0]?.[0]?.length ?? 0;
    return d === 2 || d === 3;
  }

  reset(context: RunContext): void {
    const ds = context.dataset;
    this.X = Array.isArray(ds.X) ? (structuredClone(ds.X) as Tokens) : [];
    this.z = Array.isArray(ds.z) ? (ds.z as number[][]) : null;
    const data = (context.config.data ?? {}) as Record<string, unknown>;
    this.selfQuery = data.query === 'self' || ds.query === 'self';
    this.drag = null;
    const d = this.X[0]?.[0]?.length ?? 0;
    this.element.hidden = !this.active;
    this.note.textContent =
      (d === 3 ? 'First two coordinates (the third is the score read by v). ' : '') +
      'Solid: W_t z_i (prompt: p_t); dashed: the SVM direction; dotted: its margin line. Drag a token to edit the data.';
    this.fitBounds();
  }

  private fitBounds(): void {
    let minX = Infinity,
      maxX = -Infinity,
      minY = Infinity,
      maxY = -Infinity;
    for (const seq of this.X)
      for (const x of seq) {
        minX = Math.min(minX, x[0]);
        maxX = Math.max(maxX, x[0]);
        minY = Math.min(minY, x[1]);
        maxY = Math.max(maxY, x[1]);
      }
    minX = Math.min(minX, 0);
    maxX = Math.max(maxX, 0);
    minY = Math.min(minY, 0);
    maxY = Math.max(maxY, 0);
    const span = Math.max(maxX - minX, maxY - minY, 0.5) * 1.25;
    this.view.cx = (minX + maxX) / 2;
    this.view.cy = (minY + maxY) / 2;
    this.view.scale = span;
  }

  private toScreen(x: number, y: number): [number, number] {
    const { cx, cy, scale, w, h } = this.view;
    const s = (Math.min(w, h) - 2 * PAD) / scale;
    return [w / 2 + (x - cx) * s, h / 2 - (y - cy) * s];
  }

  private toData(px: number, py: number): [number, number] {
    const { cx, cy, scale, w, h } = this.view;
    const s = (Math.min(w, h) - 2 * PAD) / scale;
    return [cx + (px - w / 2) / s, cy - (py - h / 2) / s];
  }

  private query(i: number): number[] {
    if (this.selfQuery || !this.z) return this.X[i][0];
    return this.z[i];
  }

  render(snap: Snapshot): void {
    this.last = snap;
    if (!this.active || this.element.hidden) return;
    const width = Math.min(widthOf(this.element) - 4, 420);
    this.view.w = width;
    this.view.h = Math.round(width * 0.8);
    const ctx = fitCanvas(this.canvas, this.view.w, this.view.h);
    const th = theme();
    // axes through the origin
    ctx.strokeStyle = th.grid;
    ctx.lineWidth = 1;
    const [ox, oy] = this.toScreen(0, 0);
    ctx.beginPath();
    ctx.moveTo(0, oy);
    ctx.lineTo(this.view.w, oy);
    ctx.moveTo(ox, 0);
    ctx.lineTo(ox, this.view.h);
    ctx.stroke();

    const W = snap.W[0];
    const ref = snap.references.find((r) => r.head === 0 && r.W && r.W.rows === W.rows && r.W.cols === W.cols);
    const prompt = W.cols === 1;
    const reach = this.view.scale * 0.42;
    const arrow = (dir: number[], color: string, dash: number[]) => {
      const len = Math.hypot(dir[0], dir[1]);
      if (!(len > 0)) return;
      const [ex, ey] = this.toScreen((dir[0] / len) * reach, (dir[1] / len) * reach);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(ox, oy);
      ctx.lineTo(ex, ey);
      ctx.stroke();
      ctx.setLineDash([]);
      const a = Math.atan2(ey - oy, ex - ox);
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.moveTo(ex, ey);
      ctx.lineTo(ex - 8 * Math.cos(a - 0.4), ey - 8 * Math.sin(a - 0.4));
      ctx.lineTo(ex - 8 * Math.cos(a + 0.4), ey - 8 * Math.sin(a + 0.4));
      ctx.fill();
    };
    const marginLine = (w: number[], anchor: number[], color: string) => {
      // {x : ⟨x, w⟩ = ⟨x_α, w⟩ − 1}: the SVM's margin boundary for this sequence
      const ww = w[0] * w[0] + w[1] * w[1];
      if (!(ww > 1e-12)) return;
      const px = anchor[0] - w[0] / ww,
        py = anchor[1] - w[1] / ww;
      const L = this.view.scale * 3;
      const ux = -w[1] / Math.sqrt(ww),
        uy = w[0] / Math.sqrt(ww);
      const [ax, ay] = this.toScreen(px - ux * L, py - uy * L);
      const [bx, by] = this.toScreen(px + ux * L, py + uy * L);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
      ctx.stroke();
      ctx.setLineDash([]);
    };

    const n = this.X.length;
    for (let i = 0; i < (prompt ? 1 : n); ++i) {
      const color = prompt ? th.fg : sequenceColor(i);
      const current = prompt ? Array.from(W.data) : apply(W, this.query(i));
      if (ref?.W) {
        const svm = prompt ? Array.from(ref.W.data) : apply(ref.W, this.query(i));
        arrow(svm, prompt ? NORM_COLORS[ref.norm] : color, [6, 4]);
        if (ref.status === 'optimal') {
          const seqs = prompt ? [...Array(n).keys()] : [i];
          for (const s of seqs) {
            const a = ref.alpha[s];
            if (a >= 0 && this.X[s][a]) marginLine(svm, this.X[s][a], prompt ? NORM_COLORS[ref.norm] : color);
          }
        }
      }
      arrow(current, color, []);
    }
    // tokens (their screen positions are published for keyboard-less tools and the page tests)
    const points: [number, number, number, number][] = [];
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'bottom';
    ctx.textAlign = 'left';
    for (let i = 0; i < n; ++i) {
      const color = sequenceColor(i);
      const opt = snap.optimal[0]?.[i] ?? -1;
      const sel = snap.selected[0]?.[i] ?? -1;
      this.X[i].forEach((x, t) => {
        const [px, py] = this.toScreen(x[0], x[1]);
        points.push([i, t, Math.round(px), Math.round(py)]);
        ctx.fillStyle = color;
        ctx.beginPath();
        ctx.arc(px, py, t === sel ? 6 : 4.5, 0, 2 * Math.PI);
        ctx.fill();
        if (t === opt) {
          ctx.strokeStyle = '#ff3b30';
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.arc(px, py, 9, 0, 2 * Math.PI);
          ctx.stroke();
        }
        ctx.fillStyle = th.muted;
        ctx.fillText(`${i}.${t}`, px + 6, py - 3);
      });
    }
    this.canvas.dataset.points = JSON.stringify(points);
  }

  private pointer(e: PointerEvent): [number, number] {
    const rect = this.canvas.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }

  private down(e: PointerEvent): void {
    const [px, py] = this.pointer(e);
    let best = 12;
    this.drag = null;
    this.X.forEach((seq, i) =>
      seq.forEach((x, t) => {
        const [sx, sy] = this.toScreen(x[0], x[1]);
        const dist = Math.hypot(sx - px, sy - py);
        if (dist < best) {
          best = dist;
          this.drag = { i, t };
        }
      }),
    );
    if (this.drag) {
      this.moved = false;
      this.canvas.setPointerCapture(e.pointerId);
      e.preventDefault();
    }
  }

  private move(e: PointerEvent): void {
    if (!this.drag) {
      const [px, py] = this.pointer(e);
      const near = this.X.some((seq) =>
        seq.some((x) => {
          const [sx, sy] = this.toScreen(x[0], x[1]);
          return Math.hypot(sx - px, sy - py) < 12;
        }),
      );
      this.canvas.style.cursor = near ? 'grab' : 'default';
      return;
    }
    const [px, py] = this.pointer(e);
    const [x, y] = this.toData(px, py);
    const token = this.X[this.drag.i][this.drag.t];
    token[0] = Math.round(x * 1000) / 1000;
    token[1] = Math.round(y * 1000) / 1000;
    this.moved = true;
    if (this.last) this.render(this.last);
  }

  private up(e: PointerEvent): void {
    if (!this.drag) return;
    this.canvas.releasePointerCapture(e.pointerId);
    this.drag = null;
    if (this.moved) this.onEdit(structuredClone(this.X));
  }
}
