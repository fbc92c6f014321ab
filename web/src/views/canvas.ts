// Canvas helpers shared by the views (and the exports): device-pixel-ratio sizing, the theme's colours and
// the width a view has to draw in.

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

/** The width available inside an element (falls back to a sensible size before layout). */
export function widthOf(element: HTMLElement, fallback = 320): number {
  const w = element.clientWidth;
  return w > 0 ? w : fallback;
}
