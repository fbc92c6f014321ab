// Matrices: W_t/‖W_t‖_F beside each SVM solution W_mm/‖W_mm‖_F on a diverging colormap (shared
// symmetric scale), and the singular values of W_t and of each solution (the engine's, with its rank).
import type { Matrix, Snapshot } from '../engine/index.js';
import { css, diverging, NORM_COLORS } from '../colormap.js';
import { el, fmt } from '../dom.js';
import { fitCanvas, theme, widthOf } from './canvas.js';
import type { View } from './view.js';

/** One bar series of the singular-value strip: W_t's or an SVM solution's. */
interface Sigma {
  sv: Float64Array;
  color: string;
  label: string;
}

const NAMES: Record<string, string> = {
  fro: 'W_mm Frobenius',
  nuc: 'W_mm nuclear',
  lp: 'W_mm ℓp',
  l1diag: 'W_mm ℓ1 diag',
  decoder: 'decoder SVM',
};
const CAPTION_H = 16;

/** Frobenius norm of a matrix's entries. */
function frob(m: Matrix): number {
  let s = 0;
  for (const v of m.data) s += v * v;
  return Math.sqrt(s);
}

/** The matrices view. */
export class MatricesView implements View {
  readonly element = el('section', 'panel view-matrices');
  private canvas = el('canvas');
  private sigma = el('canvas');

  constructor() {
    this.element.append(
      el('h2', '', 'Matrices'),
      el('p', 'note', 'W_t/‖W_t‖ beside each SVM solution (blue < 0 < red), head 1; below: singular values σ_k/σ_1 of each'),
      this.canvas,
      this.sigma,
    );
    this.canvas.setAttribute('aria-label', 'normalised matrices');
    this.sigma.setAttribute('aria-label', 'singular values');
  }

  render(snap: Snapshot): void {
    const W = snap.W[0];
    if (!W) return;
    const panels: { title: string; m: Matrix; color: string }[] = [{ title: 'W_t / ‖W_t‖', m: W, color: '' }];
    for (const r of snap.references)
      if (r.head === 0 && r.W && r.W.rows === W.rows && r.W.cols === W.cols)
        panels.push({ title: `${NAMES[r.norm] ?? r.norm}${r.norm === 'lp' ? ` ${r.p}` : ''}`, m: r.W, color: NORM_COLORS[r.norm] ?? '' });
    const width = widthOf(this.element) - 4;
    const gap = 12;
    const maxSide = (width - gap * (panels.length - 1)) / panels.length;
    const cell = Math.max(2, Math.min(48, Math.floor(Math.min(maxSide / W.cols, 180 / W.rows))));
    const pw = cell * W.cols;
    const ph = cell * W.rows;
    // each panel is at least as wide as its caption
    const stride = Math.min(Math.max(pw, 96), maxSide) + gap;
    const th = theme();
    const totalW = Math.min(width, panels.length * stride + 4);
    const ctx = fitCanvas(this.canvas, Math.max(totalW, 120), CAPTION_H + ph + 4);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    panels.forEach((p, k) => {
      const x0 = k * stride;
      const norm = frob(p.m) || 1;
      let maxAbs = 0;
      for (const v of p.m.data) maxAbs = Math.max(maxAbs, Math.abs(v / norm));
      maxAbs = maxAbs || 1;
      for (let r = 0; r < p.m.rows; ++r)
        for (let c = 0; c < p.m.cols; ++c) {
          ctx.fillStyle = css(diverging(p.m.data[r * p.m.cols + c] / norm / maxAbs));
          ctx.fillRect(x0 + c * cell, CAPTION_H + r * cell, cell, cell);
        }
      ctx.strokeStyle = p.color || th.muted;
      ctx.lineWidth = 1;
      ctx.strokeRect(x0 + 0.5, CAPTION_H + 0.5, pw - 1, ph - 1);
      ctx.fillStyle = p.color || th.fg;
      ctx.textAlign = 'left';
      ctx.fillText(p.title, x0, CAPTION_H / 2, stride - gap);
    });
    // W_t's singular values, then each SVM solution's (the engine's, with its rank at 1e-7)
    const series: Sigma[] = [{ sv: snap.singularValues[0], color: NORM_COLORS.nuc, label: 'W_t' }];
    for (const r of snap.references)
      if (r.head === 0 && r.singularValues?.length && r.W && r.W.rows === W.rows && r.W.cols === W.cols)
        series.push({ sv: r.singularValues, color: NORM_COLORS[r.norm] ?? th.muted, label: `${r.norm} rank ${r.rank}` });
    this.renderSigma(series, width, th.fg, th.muted);
  }

  private renderSigma(series: Sigma[], width: number, fg: string, muted: string): void {
    const h = 70;
    const ctx = fitCanvas(this.sigma, Math.max(120, Math.min(width, 360)), h);
    const sv = series[0]?.sv;
    if (!sv || sv.length === 0) return;
    const s1 = sv[0] || 1;
    const w = Math.min(24, (Math.min(width, 360) - 40) / sv.length);
    const bar = (w - 2) / series.length;
    ctx.font = '10px system-ui, sans-serif';
    series.forEach((s, j) => {
      const top = s.sv[0] || 1;
      for (let k = 0; k < Math.min(s.sv.length, sv.length); ++k) {
        const f = Math.max(0, Math.min(1, s.sv[k] / top));
        ctx.fillStyle = s.color;
        ctx.fillRect(36 + k * w + 1 + j * bar, 6 + (h - 22) * (1 - f), bar, (h - 22) * f);
      }
    });
    ctx.fillStyle = muted;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    ctx.fillText('1', 32, 2);
    ctx.textBaseline = 'bottom';
    ctx.fillText('0', 32, h - 14);
    ctx.fillStyle = fg;
    ctx.textAlign = 'left';
    const ranks = series.slice(1).map((s) => s.label);
    ctx.fillText(
      `σ_1 = ${fmt(s1, 4)}, σ_2/σ_1 = ${sv.length > 1 ? fmt(sv[1] / s1, 3) : '—'}${ranks.length ? `; ${ranks.join(', ')}` : ''}`,
      36,
      h,
    );
  }
}
