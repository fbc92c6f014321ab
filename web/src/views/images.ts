// Image overlays for real data (data.kind "fashion-mnist"): a few images drawn in grey with each patch
// tinted by the attention it receives (viridis, opacity ∝ s_it / max_t s_it), the class, whether the
// model classifies the image correctly, and the attention on the strongest patch underneath. The images
// come from the engine (Session.images(), in dataset order); the attention is the snapshot's for training
// images, the worker's test report (Session.testAttention() and the outputs f_i) for test images.
import type { LabelledImages, Matrix, Snapshot, TestAttention } from '../engine/index.js';
import { css, viridis } from '../colormap.js';
import { CLASS_NAMES } from '../fashion.js';
import { el } from '../dom.js';
import { fitCanvas, theme, widthOf } from './canvas.js';
import type { View } from './view.js';

const CAPTION_H = 30;
const GAP = 10;
const NO_IMAGES = 'no images: choose the Fashion-MNIST generator';

/** Images with their patch attention overlaid. */
export class ImagesView implements View {
  readonly element = el('section', 'panel view-images');
  readonly minInterval = 150;
  private canvas = el('canvas');
  private note = el('p', 'note', NO_IMAGES);
  private images: LabelledImages | null = null;
  private split: 'train' | 'test' = 'train';
  /** One small canvas per drawn image (grey pixels), made once per run and scaled when drawn. */
  private pictures: HTMLCanvasElement[] = [];
  private test: TestAttention | null = null;
  private count: number;

  /** `count`: how many images to draw. */
  constructor(count = 6) {
    this.count = count;
    this.canvas.setAttribute('aria-label', 'images with attention overlays');
    this.element.append(el('h2', '', 'Attention on image patches'), this.note, this.canvas);
  }

  /**
   * The images behind the sequences: Session.images().test (drawn with the test reports) or .train
   * (drawn with the snapshot's attention), or null when the data are not images. Call on every new run.
   */
  setImages(images: LabelledImages | null, split: 'train' | 'test' = 'train'): void {
    this.images = images;
    this.split = split;
    this.test = null;
    this.pictures = images ? pictures(images, Math.min(this.count, images.count)) : [];
    this.canvas.dataset.drawnStep = '';
    this.note.textContent = images
      ? `${split === 'test' ? 'held-out test images' : 'training images'}: each patch tinted by its attention s_it (brighter = more); ` +
        'caption: class, ✓/✗ whether the model classifies it correctly, largest s_it'
      : NO_IMAGES;
  }

  /** The worker's latest report on the test split (used when the images are the test images). */
  setTestAttention(report: TestAttention | null): void {
    this.test = report;
  }

  reset(): void {
    this.setImages(null);
  }

  render(snap: Snapshot): void {
    const images = this.images;
    const test = this.split === 'test' ? this.test : null;
    // test images wait for their first report; training images use the snapshot
    const A: Matrix | undefined = this.split === 'test' ? test?.attention[0] : snap.attention[0];
    if (!images || !A) {
      if (!images) fitCanvas(this.canvas, 1, 1);
      return;
    }
    const T = A.cols;
    const grid = Math.round(Math.sqrt(T));
    if (grid * grid !== T || images.rows % grid !== 0) return;
    const count = Math.min(this.pictures.length, A.rows);
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
    ctx.imageSmoothingEnabled = false;
    let correct = 0;
    for (let k = 0; k < count; ++k) {
      const x0 = (k % perRow) * (side + GAP);
      const y0 = Math.floor(k / perRow) * (side + CAPTION_H + GAP);
      ctx.drawImage(this.pictures[k], x0, y0, side, side);
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
      // the sign of f_i against y_i, as the engine's accuracy counts it (f = 0 is wrong)
      const f = test?.outputs[k];
      const right = f === undefined ? null : Math.sign(f) === test!.labels[k];
      if (right) correct++;
      ctx.fillStyle = th.fg;
      ctx.fillText(`${right === null ? '' : right ? '✓ ' : '✗ '}${CLASS_NAMES[images.labels[k]] ?? '?'}`, x0 + side / 2, y0 + side + 3);
      ctx.fillStyle = th.muted;
      ctx.fillText(`max s = ${top.toFixed(2)}`, x0 + side / 2, y0 + side + 16);
    }
    // what is drawn, for tests and assistive summaries
    this.canvas.dataset.drawnStep = String(test ? test.step : snap.step);
    this.canvas.dataset.correct = test ? `${correct}/${count}` : '';
    this.canvas.setAttribute(
      'aria-label',
      `${count} ${this.split} images with attention overlays` +
        (test ? `, ${correct} of ${count} classified correctly at step ${test.step}` : ''),
    );
  }
}

/** The first `count` images as small grey canvases (one pixel per image pixel). */
function pictures(images: LabelledImages, count: number): HTMLCanvasElement[] {
  const out: HTMLCanvasElement[] = [];
  const size = images.rows * images.cols;
  for (let k = 0; k < count; ++k) {
    const canvas = document.createElement('canvas');
    canvas.width = images.cols;
    canvas.height = images.rows;
    const ctx = canvas.getContext('2d')!;
    const picture = ctx.createImageData(images.cols, images.rows);
    for (let p = 0; p < size; ++p) {
      const v = images.pixels[k * size + p];
      picture.data.set([v, v, v, 255], 4 * p);
    }
    ctx.putImageData(picture, 0, 0);
    out.push(canvas);
  }
  return out;
}
