// The one-line metrics summary of a snapshot (the run bar's, and run B's in compare mode).
import type { Snapshot } from '../engine/index.js';
import { fmt } from '../dom.js';

/** Whether the snapshot's run has SVM references still being solved (the engine shows the data first). */
export function referencesSolving(snap: Snapshot): boolean {
  return snap.references.length === 0 && snap.columns.some((c) => c.startsWith('corr_'));
}

/** Loss, corr(W_t, W_mm) per SVM reference, min_i s_iα_i (on the selected tokens too, where they differ) and (with a test split) accuracies at the snapshot's step. */
export function metricsLine(snap: Snapshot): string {
  const m = snap.metrics;
  const parts = [`loss ${fmt(m.loss, 6)}`];
  const solving = referencesSolving(snap);
  for (const key of snap.columns) if (key.startsWith('corr_')) parts.push(`${key} ${solving ? 'solving…' : fmt(m[key], 6)}`);
  // the attention on the optimal tokens, and on the selected ones where the run selects others
  if ('min_s_opt' in m) parts.push(`min s (optimal tokens) ${fmt(m.min_s_opt, 6)}`);
  if ('min_s_sel' in m && m.min_s_sel !== m.min_s_opt) parts.push(`min s (selected) ${fmt(m.min_s_sel, 6)}`);
  if ('test_acc' in m) parts.push(`train acc ${fmt(m.train_acc, 4)} · test acc ${fmt(m.test_acc, 4)}`);
  return parts.join(' · ');
}
