// Colormaps: viridis (perceptual, sequential) for probabilities and a red–blue diverging map for signed
// matrices. Both return CSS rgb() strings and packed RGB triples for ImageData.

/** RGB in 0..255. */
export type Rgb = [number, number, number];

// Polynomial fit of matplotlib's viridis (Matt Zucker, CC0), accurate to a few 1/255.
const V = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0);

/** viridis(t) for t in [0, 1]. */
export function viridis(t: number): Rgb {
  const x = clamp01(t);
  const out: Rgb = [0, 0, 0];
  for (let c = 0; c < 3; ++c) {
    let v = V[6][c];
    for (let k = 5; k >= 0; --k) v = V[k][c] + x * v;
    out[c] = Math.round(255 * clamp01(v));
  }
  return out;
}

// RdBu (ColorBrewer), reversed so that positive is red.
const DIVERGING: Rgb[] = [
  [5, 48, 97],
  [33, 102, 172],
  [67, 147, 195],
  [146, 197, 222],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [244, 165, 130],
  [214, 96, 77],
  [178, 24, 43],
  [103, 0, 31],
];

/** Linear interpolation between equally spaced colour stops at t in [0, 1]. */
function between(stops: readonly Rgb[], t: number): Rgb {
  const x = clamp01(t) * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(x));
  const f = x - k;
  const a = stops[k];
  const b = stops[k + 1];
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

/** The diverging map at x in [−1, 1]: blue for negative, white at 0, red for positive. */
export function diverging(x: number): Rgb {
  return between(DIVERGING, (x + 1) / 2);
}

/** CSS colour of an RGB triple. */
export const css = (c: Rgb) => `rgb(${c[0]},${c[1]},${c[2]})`;

/** Colours of the SVM references and per-sequence marks (Okabe–Ito, colour-blind safe). */
export const NORM_COLORS: Record<string, string> = {
  fro: '#0072B2',
  nuc: '#E69F00',
  lp: '#009E73',
  l1diag: '#CC79A7',
  decoder: '#888888',
};

/** A categorical colour for sequence i. */
export function sequenceColor(i: number): string {
  const palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#999999'];
  return palette[i % palette.length];
}

// cividis (Nuñez, Anderton, Renslow 2018; matplotlib's samples at nine equal stops): perceptually uniform
// and readable with colour-vision deficiency.
const CIVIDIS: Rgb[] = [
  [0, 34, 78],
  [26, 56, 111],
  [67, 78, 108],
  [97, 101, 111],
  [125, 124, 120],
  [155, 148, 118],
  [188, 174, 108],
  [222, 201, 88],
  [254, 232, 56],
];

/** cividis(t) for t in [0, 1] (linear between the stops). */
export function cividis(t: number): Rgb {
  return between(CIVIDIS, t);
}

/** The sequential colormaps a visitor can pick (the `cmap` URL field). */
const SEQUENTIAL = { viridis, cividis } as const;

let sequentialMap: (t: number) => Rgb = viridis;

/** Chooses the sequential colormap of the probability views. */
export function setSequential(name: string): void {
  sequentialMap = SEQUENTIAL[name as keyof typeof SEQUENTIAL] ?? viridis;
}

/** The chosen sequential colormap (viridis unless the visitor picked cividis) at t in [0, 1]. */
export function sequential(t: number): Rgb {
  return sequentialMap(t);
}
