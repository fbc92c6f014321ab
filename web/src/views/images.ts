// Image overlays for real data (data.kind "fashion-mnist"): a few images drawn in grey with each patch
// tinted by the attention it receives (viridis, opacity ∝ s_it / max_t s_it), the class and the
// attention mass on the strongest patch underneath. The images come from the engine (Session.images(),
// in dataset order); the attention is the snapshot's (training sequences) unless test attention is given.
import type { LabelledImages } from '../../../wasm/index';
import type { Matrix, Snapshot } from '../engine/index.js';
import { css, viridis } from '../colormap.js';
import { el, fitCanvas, theme, widthOf } from './canvas.js';
import type { View } from './view.js';

const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const CAPTION_H = 30;
const GAP = 10;

/** Images with their patch attention overlaid. */
export class ImagesView implements View {
  readonly element = el('section', 'panel view-images');
  readonly minInterval = 150;
  private canvas = el('canvas');
  private note = el('p', 'note', 'no images: choose the Fashion-MNIST generator');
  private images: LabelledImages | null = null;
  private testAttention: Matrix | null = null;
  private count: number;

  /** `count`: how many images to draw. */
  constructor(count = 6) {
    this.count = count;
    this.canvas.setAttribute('aria-label', 'images with attention overlays');
    this.element.append(el('h2', '', 'Attention on image patches'), this.note, this.canvas);
  }

  /**
   * The images behind the sequences (Session.images().train, or .test together with test attention),
   * or null when the data are not images. Call on every new run.
   */
  setImages(images: LabelledImages | null): void {
    this.images = images;
    this.testAttention = null;
    this.note.textContent = images
      ? 'each patch tinted by its attention s_it (brighter = more); caption: class · largest s_it'
      : 'no images: choose the Fashion-MNIST generator';
  }

  /** Attention on the test images (Session.testAttention()[0]); overrides the snapshot's training attention. */
  setTestAttention(attention: Matrix | null): void {
    this.testAttention = attention;
  }

  reset(): void {
    this.setImages(null);
  }

  render(snap: Snapshot): void {
    const images = this.images;
    const A = this.testAttention ?? snap.attention[0];
    if (!images || !A) {
      fitCanvas(this.canvas, 1, 1);
      return;
    }
    const T = A.cols;
    const grid = Math.round(Math.sqrt(T));
    if (grid * grid !== T || images.rows % grid !== 0) return;
    const count = Math.min(this.count, images.count, A.rows);
    const width = widthOf(this.element) - 4;
    const side = Math.max(56, Math.min(140, Math.floor((width - (count - 1) * GAP) / Math.max(1, count))));
    const perRow = Math.max(1, Math.floor((width + GAP) / (side + GAP)));
    const rows = Math.ceil(count / perRow);
    const ctx = fitCanvas(this.canvas, Math.min(width, perRow * (side + GAP)), rows * (side + CAPTION_H + GAP));
    const th = theme();
    const scale = side / images.cols;
    const patch = images.rows / grid;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let k = 0; k < count; ++k) {
      const x0 = (k % perRow) * (side + GAP);
      const y0 = Math.floor(k / perRow) * (side + CAPTION_H + GAP);
      const base = k * images.rows * images.cols;
      for (let r = 0; r < images.rows; ++r)
        for (let c = 0; c < images.cols; ++c) {
          const v = images.pixels[base + r * images.cols + c];
          ctx.fillStyle = `rgb(${v},${v},${v})`;
          ctx.fillRect(x0 + c * scale, y0 + r * scale, Math.ceil(scale), Math.ceil(scale));
        }
      let top = 0;
      for (let t = 0; t < T; ++t) top = Math.max(top, A.data[k * T + t]);
      for (let t = 0; t < T; ++t) {
        const s = A.data[k * T + t];
        ctx.globalAlpha = top > 0 ? 0.65 * (s / top) : 0;
        ctx.fillStyle = css(viridis(top > 0 ? s / top : 0));
        ctx.fillRect(x0 + (t % grid) * patch * scale, y0 + Math.floor(t / grid) * patch * scale, patch * scale, patch * scale);
      }
      ctx.globalAlpha = 1;
      ctx.strokeStyle = th.grid;
      ctx.strokeRect(x0 + 0.5, y0 + 0.5, side - 1, side - 1);
      ctx.fillStyle = th.fg;
      ctx.fillText(CLASS_NAMES[images.labels[k]] ?? '?', x0 + side / 2, y0 + side + 3);
      ctx.fillStyle = th.muted;
      ctx.fillText(`max s = ${top.toFixed(2)}`, x0 + side / 2, y0 + side + 16);
    }
  }
}
