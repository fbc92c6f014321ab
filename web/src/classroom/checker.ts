// The one goal checker of the classroom: an exercise's goal is data (metric, comparison, threshold, step
// window) evaluated against the engine's snapshot — its recorded history when it has one — so the page
// compares the engine's numbers with thresholds and never computes a metric itself.
import type { Snapshot } from '../engine/index.js';

/** A comparison of a metric with a threshold. */
export type Comparison = '>=' | '<=' | '>' | '<';

/** One condition: snapshot metric (a history column, e.g. "corr_fro", or "step") op value. */
export interface Condition {
  metric: string;
  op: Comparison;
  value: number;
}

/** A goal: every condition holds at one recorded step within [minStep, maxStep]. */
export interface Goal {
  all: readonly Condition[];
  /** The conditions must hold at a step ≤ maxStep (e.g. "within 500 steps"). */
  maxStep?: number;
  /** …and at a step ≥ minStep (e.g. "after the run settled"). */
  minStep?: number;
}

/** met: reached; unmet: not yet; missed: the step limit passed; unavailable: a metric is not computed. */
export type GoalStatus = 'met' | 'unmet' | 'missed' | 'unavailable';

/** The outcome of one check. */
export interface GoalResult {
  status: GoalStatus;
  /** The first step at which every condition held (met only). */
  step?: number;
  /** Metrics the run does not report (unavailable only). */
  missing: string[];
  /** The current value of each condition's metric (NaN when absent), for display. */
  values: number[];
}

/** Whether `x op value` (false for NaN). */
export function compare(x: number, op: Comparison, value: number): boolean {
  switch (op) {
    case '>=':
      return x >= value;
    case '<=':
      return x <= value;
    case '>':
      return x > value;
    case '<':
      return x < value;
  }
}

/** Evaluates a goal on a snapshot: over its history rows when recorded, else on its current metrics. */
export function checkGoal(goal: Goal, snap: Snapshot): GoalResult {
  const metricOf = (name: string) => (name === 'step' ? snap.step : (snap.metrics[name] ?? NaN));
  const values = goal.all.map((c) => metricOf(c.metric));
  const missing = goal.all.map((c) => c.metric).filter((m) => m !== 'step' && !snap.columns.includes(m));
  if (missing.length > 0) return { status: 'unavailable', missing, values };
  const lo = goal.minStep ?? 0;
  const hi = goal.maxStep ?? Infinity;
  const history = snap.history;
  const steps = history?.step;
  if (history && steps && goal.all.every((c) => c.metric === 'step' || history[c.metric])) {
    for (let r = 0; r < steps.length; ++r) {
      const step = steps[r];
      if (step < lo || step > hi) continue;
      if (goal.all.every((c) => compare(c.metric === 'step' ? step : history[c.metric][r], c.op, c.value)))
        return { status: 'met', step, missing, values };
    }
  } else if (snap.step >= lo && snap.step <= hi && goal.all.every((c, k) => compare(values[k], c.op, c.value))) {
    return { status: 'met', step: snap.step, missing, values };
  }
  return { status: snap.step > hi ? 'missed' : 'unmet', missing, values };
}

/** A goal in words: "corr_fro ≥ 0.99 within 500 steps". */
export function goalInWords(goal: Goal): string {
  const ops: Record<Comparison, string> = { '>=': '≥', '<=': '≤', '>': '>', '<': '<' };
  const parts = goal.all.map((c) => `${c.metric} ${ops[c.op]} ${c.value}`);
  let text = parts.join(' and ');
  if (goal.maxStep !== undefined) text += ` within ${goal.maxStep} steps`;
  if (goal.minStep !== undefined) text += ` after step ${goal.minStep}`;
  return text;
}
