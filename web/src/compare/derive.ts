// Compare mode's state: run B is run A with its own parameterisation, optimiser, step size and
// mirror settings — same data, seed, init seed and SVM references — so the two runs differ only there.
// Pure functions of the state (no DOM, no engine), unit-tested under Node.
import { changedFields, withChanges, type State } from '../state.js';

/** Run B's state: A's with B's fields in place (B itself has no ensemble and no run to compare with). */
export function runB(s: State): State {
  return withChanges(s, {
    param: s.bParam,
    optimizer: s.bOptimizer,
    lr: s.bLr,
    p: s.bP,
    normalized: s.bNormalized,
    seeds: 0,
    compare: false,
  });
}

/**
 * A visitor's changes, completed: turning compare on starts B as a copy of A (the visitor then changes
 * what B should do differently) and stops the ensemble, whose bands would replace the overlaid curves.
 * Changes that name B's fields themselves keep them.
 */
export function completeChanges(current: State, changes: Partial<State>): Partial<State> {
  if (changes.compare !== true || current.compare) return changes;
  return {
    bParam: current.param,
    bOptimizer: current.optimizer,
    bLr: current.lr,
    bP: current.p,
    bNormalized: current.normalized,
    seeds: 0,
    ...changes,
  };
}

/** What run B needs when the state goes from prev to next. */
export type BUpdate =
  /** Compare turned on: a new worker and session. */
  | 'start'
  /** Compare turned off: the worker ends. */
  | 'stop'
  /** B's config changed (or run A restarted): a new session. */
  | 'restart'
  /** Only B's step size changed: sent to the live session. */
  | 'lr'
  | 'none';

/** How run B follows a change of state; `restartedA`: run A got a new session (both restart together). */
export function bUpdate(prev: State, next: State, restartedA: boolean): BUpdate {
  if (!next.compare) return prev.compare ? 'stop' : 'none';
  if (!prev.compare) return 'start';
  const fields = changedFields(runB(prev), runB(next));
  if (restartedA || fields.some((f) => f.effect === 'restart')) return 'restart';
  return fields.some((f) => f.name === 'lr') ? 'lr' : 'none';
}

/** What one run does differently from the other, in a few words ("md p=3", "KQ", "η=0.5"); '' when nothing. */
function difference(run: State, other: State): string {
  const parts: string[] = [];
  if (run.param !== other.param) parts.push(run.param);
  const bothMirror = run.optimizer === 'md' && other.optimizer === 'md';
  if (run.optimizer !== other.optimizer || (bothMirror && (run.p !== other.p || run.normalized !== other.normalized)))
    parts.push(run.optimizer === 'md' ? `md p=${run.p}${run.normalized ? '' : ' unnormalised'}` : run.optimizer);
  if (run.lr !== other.lr) parts.push(`η=${run.lr}`);
  return parts.join(' ');
}

/** The legend names of the two runs: "A: ngd" and "B: md p=3"; plain "A" and "B" when they do not differ. */
export function runNames(s: State): { a: string; b: string } {
  const b = runB(s);
  const name = (run: string, what: string) => (what ? `${run}: ${what}` : run);
  return { a: name('A', difference(s, b)), b: name('B', difference(b, s)) };
}
