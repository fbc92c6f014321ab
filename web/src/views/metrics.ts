// The one-line metrics summary of a snapshot (the run bar's, and run B's in compare mode).
import type { Snapshot } from '../engine/index.js';
import { fmt } from './canvas.js';

/** Loss, corr(W_t, W_mm) per SVM reference and min_i s_iα_i at the snapshot's step. */
export function metricsLine(snap: Snapshot): string {
  const m = snap.metrics;
  const parts = [`loss ${fmt(m.loss, 6)}`];
  for (const key of snap.columns) if (key.startsWith('corr_')) parts.push(`${key} ${fmt(m[key], 6)}`);
  if ('min_s_opt' in m) parts.push(`min s ${fmt(m.min_s_opt, 6)}`);
  return parts.join(' · ');
}
