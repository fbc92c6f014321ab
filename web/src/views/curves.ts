// Curves over iterations (uPlot, log-x): normalised margin against the SVM margin, correlation and
// Bregman divergence per SVM reference, loss, parameter norms and the sparsification log10(1 − s).
// uPlot (a fifth of the page's script) is a chunk of its own, fetched when the first chart is drawn: after
// the first heatmap, so that on a slow link it does not delay it.
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { EnsembleProgress, History, Snapshot } from '../engine/index.js';
import { NORM_COLORS } from '../colormap.js';
import { el } from '../dom.js';
import { theme, widthOf } from './canvas.js';
import type { RunContext, View } from './view.js';

/** One line of a chart: a history column (of run B's history when `runB`). */
interface Line {
  column: string;
  label: string;
  color: string;
  dash?: number[];
  runB?: boolean;
}

/** Compare mode: run B's latest snapshot drawn over run A's curves, and the legend names of both runs. */
export interface Overlay {
  snapshot: Snapshot;
  names: { a: string; b: string };
}

/** The run's SVM token rule (config svm.tokens): which tokens the sparsification chart follows. */
type TokenRule = 'optimal' | 'selected';

/** A chart: which lines (from the snapshot's columns and the run's token rule) and whether y is logarithmic. */
interface ChartSpec {
  id: string;
  title: string;
  logY: boolean;
  lines(columns: string[], tokens: TokenRule): Line[];
}

const NORM_NAMES: Record<string, string> = { fro: 'Frobenius', nuc: 'nuclear', lp: 'ℓp', l1diag: 'ℓ1 diag' };

/** Colours of the ℓp references when svm.p lists several exponents (columns corr_lp1.75, corr_lp3, …), in order. */
const LP_COLORS = ['#009E73', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** A reference's curve name: its norm's, or ℓ<p> for one of several ℓp references. */
function normLabel(n: string): string {
  return NORM_NAMES[n] ?? (/^lp[0-9.]+$/.test(n) ? `ℓ${n.slice(2)}` : n);
}

/** A reference's curve colour; the ℓp references of a list of exponents get one each. */
function normColor(n: string, all: string[]): string {
  if (NORM_COLORS[n]) return NORM_COLORS[n];
  const k = all.filter((m) => /^lp[0-9.]+$/.test(m)).indexOf(n);
  return k >= 0 ? LP_COLORS[k % LP_COLORS.length] : '#888';
}

/** The SVM norms present in the metric columns. */
function norms(columns: string[]): string[] {
  return columns.filter((c) => c.startsWith('corr_')).map((c) => c.slice(5));
}

/** Every chart of the curves panel. */
const CHARTS: readonly ChartSpec[] = [
  {
    id: 'margin',
    title: 'normalised margin min_k ⟨A_k, W_t⟩/‖W_t‖ (dashed: SVM margin 1/‖W_mm‖)',
    logY: false,
    lines: (columns) =>
      norms(columns).flatMap((n) => [
        { column: `margin_${n}`, label: normLabel(n), color: normColor(n, norms(columns)) },
        { column: `svm_margin_${n}`, label: `1/‖W_mm‖ ${n}`, color: normColor(n, norms(columns)), dash: [5, 4] },
      ]),
  },
  {
    id: 'corr',
    title: 'corr(W_t, W_mm) per SVM reference',
    logY: false,
    lines: (columns) => norms(columns).map((n) => ({ column: `corr_${n}`, label: normLabel(n), color: normColor(n, norms(columns)) })),
  },
  {
    id: 'bregman',
    title: 'Bregman divergence D_ψ(W̄_mm, W̄_t) (log)',
    logY: true,
    lines: (columns) => norms(columns).map((n) => ({ column: `bregman_${n}`, label: normLabel(n), color: normColor(n, norms(columns)) })),
  },
  {
    id: 'loss',
    title: 'loss L(θ_t) (log)',
    logY: true,
    lines: () => [{ column: 'loss', label: 'loss', color: '#D55E00' }],
  },
  {
    id: 'norm',
    title: 'parameter norms ‖W_t‖ (and ‖v_t‖ when trained) (log)',
    logY: true,
    lines: (columns) =>
      [
        { column: 'norm_fro', label: 'Frobenius', color: NORM_COLORS.fro },
        { column: 'norm_nuc', label: 'nuclear', color: NORM_COLORS.nuc },
        { column: 'norm_lp', label: 'ℓp', color: NORM_COLORS.lp },
        { column: 'norm_v', label: '‖v‖', color: NORM_COLORS.decoder },
      ].filter((l) => columns.includes(l.column)),
  },
  {
    // real data (a test split): does the max-margin bias generalise?
    id: 'accuracy',
    title: 'accuracy: training and held-out test',
    logY: false,
    lines: (columns) =>
      columns.includes('test_acc')
        ? [
            { column: 'train_acc', label: 'train', color: '#0072B2' },
            { column: 'test_acc', label: 'test', color: '#D55E00', dash: [5, 4] },
          ]
        : [],
  },
  {
    id: 'sparsity',
    title: 'sparsification log10(1 − s_iα), worst sequence',
    logY: false,
    // the tokens the SVM references use: the selected ones (log10_1m_s_sel, when the engine has the
    // column) with svm.tokens "selected", else the optimal ones
    lines: (columns, tokens) => [
      tokens === 'selected' && columns.includes('log10_1m_s_sel')
        ? { column: 'log10_1m_s_sel', label: 'log10(1 − s)', color: '#009E73' }
        : { column: 'log10_1m_s_opt', label: 'log10(1 − s)', color: '#009E73' },
    ],
  },
];

/** Steps of a history kept for a log-x chart about `width` pixels wide: about one per pixel, from 1 on. */
function keptSteps(steps: ArrayLike<number>, width: number): number[] {
  const keep: number[] = [];
  const last = steps[steps.length - 1];
  const buckets = Math.max(100, width);
  const scale = last > 1 ? buckets / Math.log(last) : 1;
  let bucket = -1;
  for (let r = 0; r < steps.length; ++r) {
    if (!(steps[r] > 0)) continue;
    const b = Math.floor(Math.log(steps[r]) * scale);
    if (b > bucket || r === steps.length - 1) {
      keep.push(steps[r]);
      bucket = b;
    }
  }
  return keep;
}

/** Lines labelled with their run's name; a chart of one line per run shows the name alone. */
function named(lines: Line[], name: string): Line[] {
  return lines.map((l) => ({ ...l, label: lines.length === 1 ? name : `${name} · ${l.label}` }));
}

/** Run B's lines of a chart: A's colours, dashed (SVM margins dotted). */
function overlaid(spec: ChartSpec, overlay: Overlay, tokens: TokenRule): Line[] {
  const columns = overlay.snapshot.columns;
  const lines = spec.lines(columns, tokens).filter((l) => columns.includes(l.column));
  return named(lines, overlay.names.b).map((l) => ({ ...l, dash: l.dash ? [1, 3] : [6, 3], runB: true }));
}

/** Tick label of a decade exponent k on a log10 axis. */
function decade(k: number): string {
  if (Math.abs(k - Math.round(k)) > 1e-9) return Number((10 ** k).toPrecision(2)).toString();
  k = Math.round(k);
  return k === 0 ? '1' : k === 1 ? '10' : k === 2 ? '100' : k === -1 ? '0.1' : `1e${k}`;
}

/** uPlot once its chunk arrived (null before), and the views to redraw then. */
let UPlot: typeof uPlot | null = null;
let uPlotLoading: Promise<void> | null = null;
const waitingForUPlot = new Set<() => void>();

/** Whether uPlot is there; else starts fetching it and calls `redraw` once it arrived. */
function uPlotReady(redraw: () => void): boolean {
  if (UPlot) return true;
  waitingForUPlot.add(redraw);
  uPlotLoading ??= import('uplot').then(
    (module) => {
      UPlot = module.default;
      for (const f of [...waitingForUPlot]) f();
      waitingForUPlot.clear();
    },
    (e: unknown) => {
      uPlotLoading = null; // the next draw asks again
      console.error('curves: uPlot did not load', e);
    },
  );
  return false;
}

/** One uPlot chart bound to a spec. */
class Chart {
  readonly element = el('div', 'chart');
  private plot: uPlot | null = null;
  private lines: Line[] = [];
  private signature = '';
  /** The run's token rule, set by CurvesView.reset. */
  tokens: TokenRule = 'optimal';

  constructor(readonly spec: ChartSpec) {
    this.element.dataset.chart = spec.id;
    this.element.append(el('h3', '', spec.title));
  }

  /** Rebuilds the uPlot instance when the lines change (new run, new references). */
  private ensure(columns: string[], width: number, ensemble = false, overlay: Overlay | null = null): void {
    let lines = this.spec.lines(columns, this.tokens).filter((l) => columns.includes(l.column));
    if (overlay) lines = [...named(lines, overlay.names.a), ...overlaid(this.spec, overlay, this.tokens)];
    // a chart without lines for this run (e.g. accuracy without a test split) is not shown
    this.element.hidden = lines.length === 0;
    const signature = lines.map((l) => `${l.column}:${l.label}`).join(',') + '|' + theme().fg + (ensemble ? '|ensemble' : '');
    if (lines.length === 0) {
      this.reset();
      this.lines = [];
      return;
    }
    if (this.plot && signature === this.signature) {
      if (Math.abs(this.plot.width - width) > 2) this.plot.setSize({ width, height: 150 });
      return;
    }
    this.plot?.destroy();
    this.lines = lines;
    this.signature = signature;
    this.ensemble = ensemble;
    // an ensemble draws each line as its mean with a band between mean − std and mean + std
    const bandSeries = (l: Line) => [
      { label: `${l.label} + std`, stroke: l.color, width: 0.5, alpha: 0.4, spanGaps: true, points: { show: false } },
      { label: `${l.label} − std`, stroke: l.color, width: 0.5, alpha: 0.4, spanGaps: true, points: { show: false } },
    ];
    const th = theme();
    const axis = {
      stroke: th.muted,
      grid: { stroke: th.grid, width: 1 },
      ticks: { stroke: th.grid, width: 1 },
      font: '11px system-ui, sans-serif',
    };
    this.plot = new UPlot!(
      {
        width,
        height: 150,
        // log-y charts plot log10(value) on a linear scale: uPlot's own log axes stop at 1e±32, and
        // losses and Bregman divergences go far below that
        scales: { x: { time: false, distr: 3 }, y: { auto: true } },
        axes: [
          axis,
          this.spec.logY
            ? {
                ...axis,
                size: 52,
                incrs: [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100],
                values: (_u: uPlot, splits: number[]) => splits.map(decade),
              }
            : { ...axis, size: 52 },
        ],
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        series: [
          { label: 'iteration' },
          ...lines.flatMap((l) => [
            {
              label: ensemble ? `${l.label} (mean)` : l.label,
              stroke: l.color,
              width: l.runB ? 1.2 : 1.5,
              alpha: l.runB ? 0.8 : 1,
              dash: l.dash,
              spanGaps: true,
              points: { show: false },
            },
            ...(ensemble ? bandSeries(l) : []),
          ]),
        ],
        bands: ensemble ? lines.map((l, k) => ({ series: [2 + 3 * k, 3 + 3 * k] as [number, number], fill: `${l.color}33` })) : [],
      },
      [[], ...lines.flatMap(() => (ensemble ? [[], [], []] : [[]]))] as unknown as uPlot.AlignedData,
      this.element,
    );
  }

  render(history: History, columns: string[], width: number, overlay: Overlay | null = null): void {
    this.ensure(columns, width, false, overlay);
    if (!this.plot) return;
    const steps = history.step;
    if (!steps) return;
    const other = overlay?.snapshot.history?.step ? overlay.snapshot.history : null;
    // log-x: iterations start at 1 (step 0 is the initialisation); keep about one row per pixel. With run B
    // the x values are the union of both runs' kept steps; each line reads its own run's rows.
    const x = [...new Set([...keptSteps(steps, width), ...(other ? keptSteps(other.step, width) : [])])].sort((a, b) => a - b);
    const rowOf = (h: History) => new Map(Array.from(h.step, (step, r) => [step, r]));
    const rowsA = rowOf(history);
    const rowsB = other ? rowOf(other) : rowsA;
    const last: Record<string, number | null> = {};
    const ys = this.lines.map((l) => {
      const h = l.runB && other ? other : history;
      const rows = l.runB ? rowsB : rowsA;
      const col = h[l.column];
      const end = col?.[h.step.length - 1];
      last[l.label] = end !== undefined && Number.isFinite(end) ? end : null;
      return x.map((step) => {
        const r = rows.get(step);
        const v = r === undefined ? undefined : col?.[r];
        if (v === undefined || !Number.isFinite(v)) return null;
        if (!this.spec.logY) return v;
        return v > 0 ? Math.log10(v) : null;
      });
    });
    // each line's value at its run's latest step, for readers of the page (and its tests)
    this.element.dataset.last = JSON.stringify(last);
    this.plot.setData([x, ...ys] as unknown as uPlot.AlignedData);
  }

  /** Draws the ensemble's mean ± std per line over its log grid. */
  renderEnsemble(progress: EnsembleProgress, width: number): void {
    const e = progress.summary;
    this.ensure(e.columns, width, true);
    if (!this.plot) return;
    const rows: number[] = [];
    for (let r = 0; r < e.steps.length; ++r) if (e.steps[r] > 0) rows.push(r);
    const value = (v: number) => (!Number.isFinite(v) ? null : !this.spec.logY ? v : v > 0 ? Math.log10(v) : null);
    const data: (number | null)[][] = [rows.map((r) => e.steps[r])];
    for (const l of this.lines) {
      const mean = e.mean[l.column],
        sd = e.std[l.column];
      data.push(rows.map((r) => value(mean[r])));
      data.push(rows.map((r) => value(mean[r] + sd[r])));
      data.push(rows.map((r) => value(mean[r] - sd[r])));
    }
    this.plot.setData(data as unknown as uPlot.AlignedData);
  }

  /** Whether the chart currently shows an ensemble. */
  ensemble = false;

  reset(): void {
    this.plot?.destroy();
    this.plot = null;
    this.signature = '';
  }
}

/** The curves panel: one small chart per spec. */
export class CurvesView implements View {
  readonly element = el('section', 'panel view-curves');
  /** Log-x curves gain little from more than ~10 redraws a second; the frame budget goes to training. */
  readonly minInterval = 100;
  private charts = CHARTS.map((spec) => new Chart(spec));
  private lastRows = -1;
  private lastStep = -1;
  private ensemble: EnsembleProgress | null = null;
  private compared: Overlay | null = null;
  private ensembleNote = el('p', 'note ensemble-note');
  /** The snapshot last given to render(). */
  private latest: Snapshot | null = null;

  constructor() {
    this.element.append(el('h2', '', 'Curves (log iterations)'), this.ensembleNote);
    this.ensembleNote.hidden = true;
    for (const c of this.charts) this.element.append(c.element);
  }

  /**
   * Shows an ensemble's mean ± std instead of the single run (null: back to the single run). The
   * ensemble is drawn as its progress arrives; the single run keeps going in the other views.
   */
  showEnsemble(progress: EnsembleProgress | null): void {
    this.ensemble = progress;
    this.lastRows = -1;
    this.ensembleNote.hidden = !progress;
    if (!progress) return;
    if (!uPlotReady(() => this.ensemble === progress && this.showEnsemble(progress))) return;
    const e = progress.summary;
    this.ensembleNote.dataset.done = String(e.done);
    this.ensembleNote.dataset.finished = String(progress.finished);
    this.ensembleNote.textContent =
      `Mean ± std over ${e.done} of ${e.members} seeds` +
      (progress.finished ? ` (computed in ${progress.seconds.toFixed(1)} s)` : ' (computing…)') +
      // a failed member diverged, or was left out for an infeasible SVM reference (the message says which)
      (e.failures.length ? `; ${e.failures.length} left out: ${e.failures[0]}` : '');
    const width = Math.max(200, widthOf(this.element) - 8);
    for (const c of this.charts) c.renderEnsemble(progress, width);
  }

  /** Compare mode: draws run B's latest snapshot over run A's curves from the next render on (null: A alone). */
  overlay(overlay: Overlay | null): void {
    this.compared = overlay;
    this.lastRows = -1;
  }

  render(snap: Snapshot): void {
    if (this.ensemble) return;
    const history = snap.history;
    if (!history) return;
    this.latest = snap;
    // the charts are drawn once uPlot is there, with the latest snapshot then
    if (!uPlotReady(() => this.latest && !this.ensemble && this.render(this.latest))) return;
    const rows = history.step?.length ?? 0;
    if (rows === this.lastRows && snap.step === this.lastStep) return;
    this.lastRows = rows;
    this.lastStep = snap.step;
    const width = Math.max(200, widthOf(this.element) - 8);
    for (const c of this.charts) c.render(history, snap.columns, width, this.compared);
    // the steps drawn, for readers of the page (and its tests)
    this.element.dataset.step = String(snap.step);
    if (this.compared) this.element.dataset.stepB = String(this.compared.snapshot.step);
    else delete this.element.dataset.stepB;
  }

  reset(context?: RunContext): void {
    const svm = context?.config.svm as { tokens?: unknown } | undefined;
    for (const c of this.charts) c.tokens = svm?.tokens === 'selected' ? 'selected' : 'optimal';
    this.latest = null;
    this.lastRows = -1;
    this.lastStep = -1;
    this.ensemble = null;
    this.ensembleNote.hidden = true;
    for (const c of this.charts) c.reset();
  }
}
