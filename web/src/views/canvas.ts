// Canvas helpers shared by the views: device-pixel-ratio sizing and the theme's colours.

/** Sizes a canvas to css pixels × devicePixelRatio and returns its context in css-pixel units. */
export function fitCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = Math.min(2, window.devicePixelRatio || 1);
  const w = Math.max(1, Math.round(width * ratio));
  const h = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** The theme's colours (CSS custom properties on :root), read once per frame. */
export interface Theme {
  fg: string;
  muted: string;
  grid: string;
  bg: string;
  panel: string;
}

let cached: Theme | null = null;
if (typeof matchMedia === 'function') matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => (cached = null));

/** The current theme (cached; re-read when the colour scheme changes). */
export function theme(): Theme {
  if (cached) return cached;
  const style = getComputedStyle(document.documentElement);
  const get = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  cached = {
    fg: get('--fg', '#222'),
    muted: get('--muted', '#777'),
    grid: get('--grid', '#ddd'),
    bg: get('--bg', '#fff'),
    panel: get('--panel', '#fafafa'),
  };
  return cached;
}

/** Creates an element with a class and optional text (text via textContent, never HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

/** Compact number formatting for labels. */
export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e4 || a < 1e-3) return x.toExponential(Math.max(0, digits - 2));
  return Number(x.toPrecision(digits)).toString();
}

/** The width available inside an element (falls back to a sensible size before layout). */
export function widthOf(element: HTMLElement, fallback = 320): number {
  const w = element.clientWidth;
  return w > 0 ? w : fallback;
}
