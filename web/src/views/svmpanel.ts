// The SVM panel: every reference in words (status, margin, gap, support tokens, local optimality).
import type { Snapshot, SvmSolution } from '../engine/index.js';
import { NORM_COLORS } from '../colormap.js';
import { el, fmt } from '../dom.js';
import { referencesSolving } from './metrics.js';
import type { View } from './view.js';

const TITLES: Record<string, string> = {
  fro: 'Frobenius Att-SVM',
  nuc: 'Nuclear-norm Att-SVM',
  lp: 'ℓp Att-SVM',
  l1diag: 'ℓ1-diagonal Att-SVM',
  decoder: 'Decoder SVM',
};

/** Support tokens grouped by sequence: "seq 0: tokens 2, 5; seq 3: token 1". */
function supportInWords(r: SvmSolution): string {
  const bySeq = new Map<number, number[]>();
  for (const k of r.support) {
    const i = r.constraints.sequence[k];
    const t = r.constraints.token[k];
    if (i === undefined) continue;
    if (!bySeq.has(i)) bySeq.set(i, []);
    if (t >= 0) bySeq.get(i)!.push(t);
  }
  if (bySeq.size === 0) return 'none';
  return [...bySeq.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, ts]) => `seq ${i}: ${ts.length === 1 ? 'token' : 'tokens'} ${ts.sort((a, b) => a - b).join(', ')}`)
    .join('; ');
}

/** The SVM panel view. */
export class SvmPanelView implements View {
  readonly element = el('section', 'panel view-svm');
  readonly minInterval = 250;
  private list = el('div', 'svm-list');
  private signature = '';

  constructor() {
    this.element.append(el('h2', '', 'SVM references'), this.list);
  }

  render(snap: Snapshot): void {
    this.element.dataset.step = String(snap.step);
    // The references change only with the data or, for "selected" tokens, with the selection.
    const signature =
      snap.references.map((r) => `${r.norm}${r.head}${r.status}${r.margin}${r.gap}${r.alpha.join('.')}`).join('|') +
      `|${snap.step === 0}` +
      Object.entries(snap.metrics)
        .filter(([k]) => k.startsWith('margin_'))
        .map(([, v]) => fmt(v, 3))
        .join(',');
    if (signature === this.signature) return;
    this.signature = signature;
    const items = snap.references.map((r) => this.item(r, snap));
    if (referencesSolving(snap)) items.push(el('p', 'note solving', 'Solving the SVM references…'));
    else if (items.length === 0) items.push(el('p', 'note', 'No SVM reference selected.'));
    this.list.replaceChildren(...items);
  }

  private item(r: SvmSolution, snap: Snapshot): HTMLElement {
    const box = el('div', 'svm-item');
    box.dataset.norm = r.norm;
    box.dataset.status = r.status;
    const title = el(
      'h3',
      '',
      `${TITLES[r.norm] ?? r.norm}${r.norm === 'lp' ? ` (p = ${r.p})` : ''}${snap.heads > 1 ? `, head ${r.head + 1}` : ''}`,
    );
    title.style.borderLeftColor = NORM_COLORS[r.norm] ?? '#888';
    const lines: string[] = [];
    lines.push(
      r.status === 'optimal'
        ? `Solved to optimality in ${r.iterations} iterations (relative duality gap ${fmt(r.gap, 2)}, ` +
            `largest violation ${fmt(r.violation, 2)}).`
        : r.status === 'infeasible'
          ? `Infeasible: ${r.reason || 'no direction separates the selected tokens'}.`
          : `Stopped at the iteration limit (${r.iterations}); gap ${fmt(r.gap, 2)}${r.reason ? ` — ${r.reason}` : ''}.`,
    );
    if (r.status !== 'infeasible') {
      const current = snap.metrics[`margin_${r.norm}`];
      lines.push(
        `SVM margin 1/‖W_mm‖ = ${fmt(r.margin, 5)} (‖W_mm‖ = ${fmt(r.normValue, 5)})` +
          (current !== undefined && Number.isFinite(current) ? `; W_t reaches ${fmt(current, 5)}.` : '.'),
      );
      lines.push(`Selected tokens α = (${Array.from(r.alpha).join(', ')}).`);
      lines.push(`Support (${r.support.length} of ${r.lambda.length} constraints): ${supportInWords(r)}.`);
    }
    const lo = r.localOptimality;
    lines.push(lo.explanation ? capitalise(lo.explanation) + '.' : lo.locallyOptimal ? 'Locally optimal.' : 'Not locally optimal.');
    for (const line of lines) box.append(el('p', '', line));
    box.prepend(title);
    return box;
  }
}

function capitalise(s: string): string {
  const t = s.replace(/\.$/, '');
  return t.charAt(0).toUpperCase() + t.slice(1);
}
