// Helpers for building the page's DOM, shared by the views, the controls and the extensions: elements
// with text (never HTML) and numbers as label text.

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
