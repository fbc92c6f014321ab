// The page's state: one declarative schema table drives the controls, the URL and the engine config.
// Adding a control is adding a row here. Presets (presets.ts) are named partial states.
import type { Config } from '../../wasm/index';
import { FASHION_CLASSES, FASHION_MAX_N } from './fashion.js';
import { presetById } from './presets.js';

/** The value of one state field. */
export type Value = string | number | boolean | string[];

/** Where a field's control lives on the page. */
export type Group = 'data' | 'model' | 'optimizer' | 'svm' | 'ensemble' | 'compare' | 'run';

/** How a change of the field reaches the running session. */
export type Effect =
  /** Builds a new session (new data or model): the run restarts. */
  | 'restart'
  /** Sent to the live session (step size): the run keeps going. */
  | 'live'
  /** Only the page uses it (speed, preset text). */
  | 'page'
  /** Compare mode (compare/): starts, stops or reconfigures run B only; run A keeps going. */
  | 'compare';

/** One row of the schema. */
export interface Field {
  /** Name in State. */
  name: keyof State;
  /** URL parameter. */
  key: string;
  /** `flags`: a set written as one `<item>_hide=1` URL parameter per item (TF Playground's classroom mode). */
  type: 'enum' | 'int' | 'number' | 'bool' | 'set' | 'string' | 'flags';
  label: string;
  group: Group;
  effect: Effect;
  /** Choices of an enum or a set. */
  options?: readonly string[];
  min?: number;
  max?: number;
  /** Spin step of a number input. */
  step?: number;
  /** Whether the control is shown for the current state (default: always). */
  visible?: (s: State) => boolean;
  /** A one-line explanation shown as the control's tooltip. */
  title?: string;
  /** No control (set by presets and by dragging tokens only). */
  hidden?: boolean;
}

/** Every setting of the page. */
export interface State {
  preset: string;
  kind: string;
  toy: string;
  n: number;
  T: number;
  d: number;
  seed: number;
  query: string;
  noise: number;
  snr: number;
  centres: number;
  C: number;
  inline: string;
  param: string;
  heads: number;
  width: number;
  decoder: string;
  signs: string;
  /** Multihead output: 'sqrt' = (1/√H) Σ_h (Deora et al.), 'mean' = (1/H) Σ_h. */
  headScale: string;
  init: string;
  initStd: number;
  initSeed: number;
  loss: string;
  optimizer: string;
  lr: number;
  p: number;
  normalized: boolean;
  /** With a trained decoder: the relaxed joint SVMs (attention constraints relaxed off the decoder's support vectors). */
  joint: boolean;
  scale: number;
  norms: string[];
  svmP: number;
  /** Several ℓp SVM exponents, comma-separated ("1.75,2,3"): one ℓp reference each (svm.p a list); empty: svmP alone. */
  svmPs: string;
  tokens: string;
  speed: string;
  /** Ensemble: the same setting over this many seeds, computed in the worker (0: off). */
  seeds: number;
  /** Ensemble horizon in iterations. */
  horizon: number;
  // ── embedding, classroom and display (used by web/src/embed/, exercises.ts, a11y.ts) ──
  /** Chrome-free embed layout. */
  embed: boolean;
  /** Views shown in embed mode (VIEW_NAMES); empty: all. */
  views: string[];
  /** Controls shown in embed mode. */
  controls: string;
  /** Whether the run starts on load (never under prefers-reduced-motion). */
  autoplay: boolean;
  /** Origins allowed to command the frame by postMessage, comma-separated; empty: any. */
  origins: string;
  /** The classroom exercise shown (exercises.ts id). */
  exercise: string;
  /** Colormap of the attention heatmap. */
  cmap: string;
  /** Scale of the attention heatmap: `s` (linear) or `log` (log10 s on −12 … 0). */
  attn: string;
  /** Controls hidden from the visitor (URL keys of HIDEABLE), written as `<key>_hide=1`. */
  hide: string[];
  // ── compare mode (compare/derive.ts): run B is run A with these fields replaced ──
  /** Whether run B trains beside run A on the same data. */
  compare: boolean;
  /** Run B's parameterisation, optimiser, step size, mirror p and normalisation. */
  bParam: string;
  bOptimizer: string;
  bLr: number;
  bP: number;
  bNormalized: boolean;
  // ── real data: Fashion-MNIST (fashion.ts) ──
  /** The class with y = −1 and the one with y = +1 (FASHION_CLASSES names). */
  classNeg: string;
  classPos: string;
  /** Test images (balanced over the two classes). */
  testN: number;
  /** Patches per image side: T = grid² tokens of (28/grid)² pixels. */
  grid: number;
  /** Norm of the random positional code added to each patch token. */
  positional: number;
}

/** The papers' toy datasets (core/generators.cpp). */
const TOYS = [
  'tfsvm-2d',
  'tfsvm-2d-planes',
  'mmts-single-global',
  'mmts-single-local',
  'mmts-multi',
  'mmts-joint',
  'mmts-joint-nontight',
  'md-joint',
  'loss-compare',
] as const;

/** Parameterisations of the attention weights. */
export const PARAMS = ['W', 'KQ', 'KQ-diag', 'prompt', 'multihead'] as const;

/** Optimisers: gd, normalised gd, Polyak step, ℓp mirror descent, gradient flow. */
const OPTIMIZERS = ['gd', 'ngd', 'polyak', 'md', 'flow'] as const;

/** Training speeds: iterations per frame, or as fast as the worker can. */
export const SPEEDS = ['1', '2', '5', '10', '20', '50', '100', '200', 'max'] as const;

/** Views an embed can show: panels, and single charts of the curves panel. */
export const VIEW_NAMES = [
  'heatmap',
  'tokens',
  'matrices',
  'svm',
  'images',
  'curves',
  'margin',
  'corr',
  'bregman',
  'loss',
  'norm',
  'accuracy',
  'sparsity',
  'about',
] as const;

/** Run-bar controls that `<name>_hide=1` can hide besides the schema's own controls. */
export const PAGE_CONTROLS = ['play', 'step', 'step100', 'reset', 'preset', 'share', 'exercises'] as const;

/** The toys drawn from the data seed (core/generators.cpp); the others are fixed datasets. */
const SEEDED_TOYS: readonly string[] = ['tfsvm-2d', 'tfsvm-2d-planes', 'mmts-multi'];

const generated = (s: State) => s.kind !== 'toy' && s.kind !== 'inline';
/** Whether the data depend on the seed (an inline dataset and most toys do not). */
const seeded = (s: State) => (s.kind === 'toy' ? SEEDED_TOYS.includes(s.toy) : s.kind !== 'inline');
const fashion = (s: State) => s.kind === 'fashion-mnist';
const mixture = (s: State) => s.kind === 'tokenized-mixture' || s.kind === 'clusters';

/**
 * The schema: order is the order of the controls within each group. Kept as a table, one row per control
 * (name, URL key, type, label, group and effect first): Prettier would give each property a line.
 */
// prettier-ignore
export const SCHEMA: readonly Field[] = [
  { name: 'preset', key: 'preset', type: 'string', label: 'preset', group: 'run', effect: 'page', hidden: true },
  {
    name: 'kind', key: 'data', type: 'enum', label: 'generator', group: 'data', effect: 'restart',
    options: ['gaussian-unit', 'clusters', 'tokenized-mixture', 'global', 'toy', 'fashion-mnist', 'inline'],
    title:
      'How the sequences are generated (fashion-mnist: real images cut into patch tokens; inline: the dataset edited by dragging tokens)',
  },
  {
    name: 'toy', key: 'toy', type: 'enum', label: 'toy', group: 'data', effect: 'restart',
    options: TOYS, visible: (s) => s.kind === 'toy',
  },
  // n: up to 256 synthetic sequences; fashion-mnist up to FASHION_MAX_N images (all the shipped ones of two classes)
  {
    name: 'n', key: 'n', type: 'int', label: 'n (sequences)', group: 'data', effect: 'restart',
    min: 1, max: FASHION_MAX_N, visible: generated,
  },
  {
    name: 'T', key: 'T', type: 'int', label: 'T (tokens)', group: 'data', effect: 'restart',
    min: 2, max: 64, visible: (s) => generated(s) && !fashion(s),
  },
  { name: 'd', key: 'd', type: 'int', label: 'd (dimension)', group: 'data', effect: 'restart', min: 1, max: 64, visible: generated },
  { name: 'seed', key: 'seed', type: 'int', label: 'seed', group: 'data', effect: 'restart', min: 0, max: 2 ** 31, visible: seeded },
  // md-joint is a self-attention toy whatever the query field says (core/generators.cpp)
  {
    name: 'query', key: 'q', type: 'enum', label: 'query', group: 'data', effect: 'restart',
    options: ['cross', 'self'], title: 'cross: z_i given; self: z_i = x_i1', visible: (s) => !(s.kind === 'toy' && s.toy === 'md-joint'),
  },
  {
    name: 'noise', key: 'noise', type: 'number', label: 'noise', group: 'data', effect: 'restart',
    min: 0, max: 10, step: 0.05, visible: (s) => s.kind === 'clusters',
  },
  {
    name: 'snr', key: 'snr', type: 'number', label: 'snr', group: 'data', effect: 'restart',
    min: 0, max: 1e6, step: 0.5, visible: (s) => s.kind === 'tokenized-mixture',
  },
  { name: 'centres', key: 'centres', type: 'int', label: 'centres', group: 'data', effect: 'restart', min: 1, max: 64, visible: mixture },
  {
    name: 'C', key: 'C', type: 'number', label: 'C', group: 'data', effect: 'restart',
    min: -1e6, max: 1e6, visible: (s) => s.kind === 'toy' && s.toy === 'loss-compare',
  },
  // ── real data: Fashion-MNIST ──
  {
    name: 'classNeg', key: 'cneg', type: 'enum', label: 'class y = −1', group: 'data', effect: 'restart',
    options: Object.keys(FASHION_CLASSES), visible: fashion,
  },
  {
    name: 'classPos', key: 'cpos', type: 'enum', label: 'class y = +1', group: 'data', effect: 'restart',
    options: Object.keys(FASHION_CLASSES), visible: fashion,
  },
  {
    name: 'testN', key: 'tn', type: 'int', label: 'test images', group: 'data', effect: 'restart',
    min: 0, max: 1000, visible: (s) => fashion(s) || s.kind === 'tokenized-mixture',
    title: 'Held-out images (balanced over the two classes; at most 1,000), or tokenized-mixture test sequences',
  },
  {
    name: 'grid', key: 'grid', type: 'int', label: 'patches per side', group: 'data', effect: 'restart', min: 1, max: 28, visible: fashion,
    title: 'Each 28×28 image is cut into grid × grid patches: T = grid² tokens (grid divides 28)',
  },
  {
    name: 'positional', key: 'pos', type: 'number', label: 'positional code', group: 'data', effect: 'restart',
    min: 0, max: 1000, step: 0.1, visible: fashion, title: 'Norm of a random code added to each patch token (0: none)',
  },
  { name: 'inline', key: 'ds', type: 'string', label: 'dataset', group: 'data', effect: 'restart', hidden: true },
  {
    name: 'param', key: 'param', type: 'enum', label: 'parameterisation', group: 'model', effect: 'restart',
    options: PARAMS,
  },
  {
    name: 'heads', key: 'H', type: 'int', label: 'heads H', group: 'model', effect: 'restart',
    min: 1, max: 16, visible: (s) => s.param === 'multihead',
  },
  {
    name: 'width', key: 'm', type: 'int', label: 'width m (0 = d)', group: 'model', effect: 'restart',
    min: 0, max: 64, visible: (s) => s.param === 'KQ',
  },
  { name: 'decoder', key: 'dec', type: 'enum', label: 'decoder v', group: 'model', effect: 'restart', options: ['fixed', 'trained'] },
  {
    name: 'signs', key: 'signs', type: 'enum', label: 'head decoders', group: 'model', effect: 'restart',
    options: ['same', 'alternating', 'random'], visible: (s) => s.param === 'multihead',
  },
  {
    name: 'headScale', key: 'hs', type: 'enum', label: 'head output', group: 'model', effect: 'restart',
    options: ['sqrt', 'mean'], visible: (s) => s.param === 'multihead',
    title: 'sqrt: (1/√H) Σ_h, the paper’s multi-head model; mean: the average (1/H) Σ_h',
  },
  {
    name: 'init', key: 'init', type: 'enum', label: 'init', group: 'model', effect: 'restart',
    options: ['gaussian', 'zero', 'pytorch'],
    title: 'gaussian: N(0, std²); pytorch: U(−1/√d, 1/√d), nn.Linear’s default, as the code of Transformers as SVMs starts W, K and Q',
  },
  {
    name: 'initStd', key: 'istd', type: 'number', label: 'init std', group: 'model', effect: 'restart',
    min: 0, max: 1000, step: 0.01, visible: (s) => s.init === 'gaussian',
  },
  {
    name: 'initSeed', key: 'iseed', type: 'int', label: 'init seed', group: 'model', effect: 'restart',
    min: 0, max: 2 ** 31, visible: (s) => s.init !== 'zero',
  },
  {
    name: 'loss', key: 'loss', type: 'enum', label: 'loss', group: 'model', effect: 'restart',
    options: ['logistic', 'exponential', 'linear'],
  },
  {
    name: 'optimizer', key: 'opt', type: 'enum', label: 'optimiser', group: 'optimizer', effect: 'restart',
    options: OPTIMIZERS,
    title: 'gd, normalised gd, Polyak step, ℓp mirror descent, gradient flow (adaptive RK)',
  },
  // the Polyak step has no step size (its scale sets it)
  {
    name: 'lr', key: 'lr', type: 'number', label: 'step size η', group: 'optimizer', effect: 'live',
    min: 0, max: 1e12, step: 0.01, title: 'Changing it keeps the run going', visible: (s) => s.optimizer !== 'polyak',
  },
  {
    name: 'p', key: 'p', type: 'number', label: 'mirror p', group: 'optimizer', effect: 'restart',
    min: 1, max: 100, step: 0.25, visible: (s) => s.optimizer === 'md',
  },
  {
    name: 'normalized', key: 'nmd', type: 'bool', label: 'normalised (÷‖∇‖_q)', group: 'optimizer', effect: 'restart',
    visible: (s) => s.optimizer === 'md',
  },
  {
    name: 'scale', key: 'scale', type: 'number', label: 'Polyak scale', group: 'optimizer', effect: 'restart',
    min: 0, max: 1e6, step: 0.1, visible: (s) => s.optimizer === 'polyak',
  },
  {
    name: 'norms', key: 'svm', type: 'set', label: 'SVM references', group: 'svm', effect: 'restart',
    options: ['fro', 'nuc', 'lp', 'l1diag'],
  },
  {
    name: 'svmP', key: 'sp', type: 'number', label: 'ℓp SVM p', group: 'svm', effect: 'restart',
    min: 1, max: 100, step: 0.25, visible: (s) => s.norms.includes('lp'),
  },
  { name: 'svmPs', key: 'sps', type: 'string', label: 'ℓp SVM exponents', group: 'svm', effect: 'restart', hidden: true },
  {
    name: 'tokens', key: 'tok', type: 'enum', label: 'SVM tokens', group: 'svm', effect: 'restart', options: ['optimal', 'selected'],
    title: 'optimal: argmax_t y_i x_itᵀv; selected: argmax of the current attention', visible: (s) => s.norms.length > 0,
  },
  {
    name: 'joint', key: 'joint', type: 'bool', label: 'relaxed joint SVM', group: 'svm', effect: 'restart',
    title: 'with a trained decoder: relax the attention constraints of samples that are not support vectors of the decoder SVM',
    visible: (s) => s.decoder === 'trained' && s.norms.length > 0,
  },
  { name: 'speed', key: 'speed', type: 'enum', label: 'steps / frame', group: 'run', effect: 'page', options: SPEEDS },
  {
    name: 'seeds', key: 'seeds', type: 'int', label: 'seeds (0 = off)', group: 'ensemble', effect: 'page', min: 0, max: 200,
    title: 'Runs the setting over this many seeds (data seed + k, init seed + k) and draws mean ± std bands',
  },
  {
    name: 'horizon', key: 'horizon', type: 'int', label: 'iterations', group: 'ensemble', effect: 'page',
    min: 10, max: 100000, visible: (s) => s.seeds > 0,
  },
  // ── compare mode: run B = run A with these fields replaced ──
  {
    name: 'compare', key: 'cmp', type: 'bool', label: 'compare with run B', group: 'compare', effect: 'compare',
    title: 'Trains a second run on the same data, seed and SVM references, with its own model and optimiser settings',
  },
  {
    name: 'bParam', key: 'b_param', type: 'enum', label: 'B: parameterisation', group: 'compare', effect: 'compare',
    options: PARAMS, visible: (s) => s.compare,
  },
  {
    name: 'bOptimizer', key: 'b_opt', type: 'enum', label: 'B: optimiser', group: 'compare', effect: 'compare',
    options: OPTIMIZERS, visible: (s) => s.compare,
  },
  {
    name: 'bLr', key: 'b_lr', type: 'number', label: 'B: step size η', group: 'compare', effect: 'compare',
    min: 0, max: 1e12, step: 0.01, visible: (s) => s.compare && s.bOptimizer !== 'polyak',
  },
  {
    name: 'bP', key: 'b_p', type: 'number', label: 'B: mirror p', group: 'compare', effect: 'compare',
    min: 1, max: 100, step: 0.25, visible: (s) => s.compare && s.bOptimizer === 'md',
  },
  {
    name: 'bNormalized', key: 'b_nmd', type: 'bool', label: 'B: normalised (÷‖∇‖_q)', group: 'compare', effect: 'compare',
    visible: (s) => s.compare && s.bOptimizer === 'md',
  },
  // ── embedding, classroom and display ──
  { name: 'embed', key: 'embed', type: 'bool', label: 'embed', group: 'run', effect: 'page', hidden: true },
  { name: 'views', key: 'views', type: 'set', label: 'views', group: 'run', effect: 'page', options: VIEW_NAMES, hidden: true },
  {
    name: 'controls', key: 'controls', type: 'enum', label: 'controls', group: 'run', effect: 'page',
    options: ['none', 'min', 'full'], hidden: true,
  },
  { name: 'autoplay', key: 'autoplay', type: 'bool', label: 'autoplay', group: 'run', effect: 'page', hidden: true },
  { name: 'origins', key: 'allowedOrigins', type: 'string', label: 'allowed origins', group: 'run', effect: 'page', hidden: true },
  { name: 'exercise', key: 'exercise', type: 'string', label: 'exercise', group: 'run', effect: 'page', hidden: true },
  {
    name: 'cmap', key: 'cmap', type: 'enum', label: 'colormap', group: 'run', effect: 'page',
    options: ['viridis', 'cividis'], title: 'Colormap of the attention heatmap (cividis: safe for colour-vision deficiency)',
  },
  {
    name: 'attn', key: 'attn', type: 'enum', label: 'scale', group: 'run', effect: 'page', options: ['s', 'log'],
    title: 'Attention on a linear scale (s) or as log10 s over 1e−12 … 1 (log: the sparsification keeps showing once s looks one-hot)',
  },
  { name: 'hide', key: 'hide', type: 'flags', label: 'hidden controls', group: 'run', effect: 'page', hidden: true },
];

/** The names `<name>_hide=1` accepts: the URL keys of the visible controls and the run-bar buttons. */
export const HIDEABLE: readonly string[] = [...SCHEMA.filter((f) => !f.hidden).map((f) => f.key), ...PAGE_CONTROLS];

/** The state a visitor sees first: the papers' standard problem under normalised GD. */
export const DEFAULTS: State = {
  preset: '',
  kind: 'gaussian-unit',
  toy: 'tfsvm-2d',
  n: 6,
  T: 8,
  d: 10,
  seed: 1,
  query: 'cross',
  noise: 0.1,
  snr: 3,
  centres: 3,
  C: 1,
  inline: '',
  param: 'W',
  heads: 2,
  width: 0,
  decoder: 'fixed',
  signs: 'same',
  headScale: 'sqrt',
  init: 'gaussian',
  initStd: 0.01,
  initSeed: 1,
  loss: 'logistic',
  optimizer: 'ngd',
  lr: 0.1,
  p: 2,
  normalized: true,
  joint: true,
  scale: 1,
  norms: ['fro', 'nuc'],
  svmP: 1.75,
  svmPs: '',
  tokens: 'optimal',
  speed: '20',
  seeds: 0,
  horizon: 2000,
  embed: false,
  views: [],
  controls: 'min',
  autoplay: true,
  origins: '',
  exercise: '',
  cmap: 'viridis',
  attn: 's',
  hide: [],
  compare: false,
  bParam: 'W',
  bOptimizer: 'ngd',
  bLr: 0.1,
  bP: 2,
  bNormalized: true,
  classNeg: 't-shirt',
  classPos: 'bag',
  testN: 500,
  grid: 4,
  positional: 0,
};

/** The schema row of a field. */
export function field(name: keyof State): Field {
  const f = SCHEMA.find((row) => row.name === name);
  if (!f) throw new Error(`state: no field ${String(name)}`);
  return f;
}

/** Parses one field's text (URL or input) to its value; undefined when it does not parse. */
export function parseValue(f: Field, text: string): Value | undefined {
  switch (f.type) {
    case 'enum':
      return f.options!.includes(text) ? text : undefined;
    case 'set': {
      const items = text === '' ? [] : text.split(',');
      return items.every((x) => f.options!.includes(x)) ? [...new Set(items)] : undefined;
    }
    case 'flags': {
      const items = text === '' ? [] : text.split(',');
      return items.every((x) => HIDEABLE.includes(x)) ? [...new Set(items)] : undefined;
    }
    case 'bool':
      return text === '1' || text === 'true' ? true : text === '0' || text === 'false' ? false : undefined;
    case 'int': {
      const x = Number(text);
      return text.trim() !== '' && Number.isInteger(x) ? x : undefined;
    }
    case 'number': {
      const x = Number(text);
      return text.trim() !== '' && Number.isFinite(x) ? x : undefined;
    }
    case 'string':
      return text;
  }
}

/** One field's value as URL text. */
export function formatValue(f: Field, value: Value): string {
  if (f.type === 'set' || f.type === 'flags') return (value as string[]).join(',');
  if (f.type === 'bool') return value ? '1' : '0';
  return String(value);
}

/**
 * The state a preset names: its partial state on the defaults, with `preset` set (an unknown id names
 * the defaults, and its text stays as it is). The picker, the URL, the one-tag embed and setState all
 * start a preset's run from here.
 */
export function presetState(id: string): State {
  return withChanges(DEFAULTS, { ...presetById(id)?.state, preset: id });
}

/** The state in a URL query: the preset, if any, and the fields that differ from it (from the defaults without one). */
export function toQuery(state: State): string {
  const params = new URLSearchParams();
  const base = presetState(state.preset);
  for (const f of SCHEMA) {
    if (f.type === 'flags') {
      const items = state[f.name] as string[];
      for (const key of HIDEABLE) if (items.includes(key)) params.set(`${key}_hide`, '1');
      continue;
    }
    const text = formatValue(f, state[f.name]);
    if (text !== formatValue(f, (f.name === 'preset' ? DEFAULTS : base)[f.name])) params.set(f.key, text);
  }
  return params.toString();
}

/**
 * The state of a URL query: the named preset's state (the defaults without one), and every other field
 * of the query over it (`?preset=md-p3&lr=0.05`: the ℓ3 preset at η = 0.05); unknown keys and
 * unparsable values are ignored.
 */
export function fromQuery(query: string): State {
  const params = new URLSearchParams(query);
  const state: State = presetState(params.get(field('preset').key) ?? '');
  for (const f of SCHEMA) {
    if (f.type === 'flags') {
      const items = HIDEABLE.filter((key) => ['1', 'true'].includes(params.get(`${key}_hide`) ?? ''));
      (state as unknown as Record<string, Value>)[f.name] = items;
      continue;
    }
    const text = params.get(f.key);
    if (text === null) continue;
    const value = parseValue(f, text);
    if (value !== undefined) (state as unknown as Record<string, Value>)[f.name] = value;
  }
  return state;
}

/** A state with some fields replaced (a preset, or one control's change). */
export function withChanges(base: State, changes: Partial<State>): State {
  return { ...base, ...changes, norms: [...(changes.norms ?? base.norms)] };
}

/** The fields whose values differ between two states. */
export function changedFields(a: State, b: State): Field[] {
  return SCHEMA.filter((f) => formatValue(f, a[f.name]) !== formatValue(f, b[f.name]));
}

/** Recorded rows of a fashion-mnist run (plenty for the log-x curves). */
const FASHION_HISTORY = 512;

/**
 * The JSON of an inline dataset's `ds` field: the field itself, or the uploaded dataset its `upload:<hash>`
 * reference names (the page's datastore.ts keeps those; this module reads no storage).
 */
export type DatasetReader = (ds: string) => string;

/**
 * The engine config (docs/design.md §9.1) of a state; the core validates it. `readDataset` gives an inline
 * run's dataset JSON (the page passes datastore.ts's resolveDataset, which throws naming `ds` when an upload is gone).
 */
export function toConfig(s: State, readDataset: DatasetReader): Config {
  // Only the fields the generator uses: the core rejects any other by name ("data.noise: not used by kind global").
  const data: Record<string, unknown> = { kind: s.kind };
  if (seeded(s)) data.seed = s.seed;
  if (!(s.kind === 'toy' && s.toy === 'md-joint')) data.query = s.query;
  if (s.kind === 'toy') {
    data.name = s.toy;
    if (s.toy === 'loss-compare') data.C = s.C;
  } else if (s.kind === 'inline') {
    Object.assign(data, parseInline(readDataset(s.inline)));
  } else if (s.kind === 'fashion-mnist') {
    const classes = [FASHION_CLASSES[s.classNeg], FASHION_CLASSES[s.classPos]];
    Object.assign(data, { classes, n: s.n, test_n: s.testN, d: s.d, grid: s.grid, positional: s.positional });
  } else {
    Object.assign(data, { n: s.n, T: s.T, d: s.d });
    if (s.kind === 'clusters') data.noise = s.noise;
    if (s.kind === 'tokenized-mixture' || s.kind === 'clusters') data.centres = s.centres;
    if (s.kind === 'tokenized-mixture') data.snr = s.snr;
    if (s.kind === 'tokenized-mixture' && s.testN > 0) data.test_n = s.testN;
  }
  const model: Record<string, unknown> = {
    param: s.param,
    decoder: s.decoder,
    init:
      s.init === 'zero'
        ? { kind: 'zero' }
        : s.init === 'pytorch'
          ? { kind: 'pytorch', seed: s.initSeed }
          : { kind: 'gaussian', std: s.initStd, seed: s.initSeed },
  };
  if (s.param === 'multihead') Object.assign(model, { heads: s.heads, head_signs: s.signs, head_scale: s.headScale });
  if (s.param === 'KQ' && s.width > 0) model.width = s.width;
  const optimizer: Record<string, unknown> = { kind: s.optimizer };
  if (s.optimizer !== 'polyak') optimizer.lr = s.lr; // the Polyak step has no lr (the core rejects it)
  if (s.optimizer === 'md') Object.assign(optimizer, { p: s.p, normalized: s.normalized });
  if (s.optimizer === 'polyak') optimizer.scale = s.scale;
  return {
    data,
    model,
    loss: s.loss,
    optimizer,
    svm: {
      norms: [...s.norms],
      p: s.svmPs ? s.svmPs.split(',').map(Number) : s.svmP,
      tokens: s.tokens,
      // the relaxed joint SVM is the core's default with a trained decoder: only its opt-out is sent
      ...(s.decoder === 'trained' && !s.joint ? { joint: false } : {}),
    },
    // images: fewer rows (the core then records every 2nd, 4th, … step), as a recorded row costs a pass over the test split
    run: { record_every: 1, max_history: s.kind === 'fashion-mnist' ? FASHION_HISTORY : 2048 },
  };
}

/** The arrays of an inline dataset's JSON; an unparsable one yields an empty object. */
function parseInline(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const out: Record<string, unknown> = {};
      for (const key of ['X', 'y', 'z', 'v', 'X_test', 'y_test', 'z_test'] as const)
        if (key in value) out[key] = (value as Record<string, unknown>)[key];
      return out;
    }
  } catch {
    // fall through: the core reports the missing arrays by name
  }
  return {};
}

/** The engine speed of the state's speed field. */
export function engineSpeed(s: State): number | 'max' {
  return s.speed === 'max' ? 'max' : Number(s.speed);
}
