// Accessibility: keyboard shortcuts (space play/pause, → step, r reset) that leave text inputs, selects
// and buttons alone; a polite, throttled aria-live summary of step, loss and margin; the colormap choice
// (cividis for colour-vision deficiency) in the header. Focus styles and reduced motion: extensions.css.
import { setSequential } from './colormap.js';
import type { Snapshot } from './engine/index.js';
import type { PageApi } from './page.js';
import type { State } from './state.js';
import { el, fmt } from './dom.js';

/** Shortest interval between two spoken summaries while the run plays. */
const SUMMARY_MS = 5000;

const integer = new Intl.NumberFormat('en');

/** Whether the focused element uses the key itself: fields take every key, buttons and links space. */
function ownsKey(target: EventTarget | null, key: string): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest('input, select, textarea, [role="slider"], iframe')) return true;
  return key === ' ' && target.closest('button, a[href], summary') !== null;
}

/** The spoken summary of a snapshot: step, loss and the normalised margin against the first SVM's. */
function summaryOf(snap: Snapshot, playing: boolean): string {
  const m = snap.metrics;
  const parts = [`${playing ? 'Running' : 'Paused'} at step ${integer.format(snap.step)}`, `loss ${fmt(m.loss, 4)}`];
  const norm = snap.columns.find((c) => c.startsWith('margin_'))?.slice('margin_'.length);
  if (norm && Number.isFinite(m[`margin_${norm}`]))
    parts.push(`margin ${fmt(m[`margin_${norm}`], 4)} (${norm} SVM margin ${fmt(m[`svm_margin_${norm}`], 4)})`);
  return parts.join(', ') + '.';
}

/** Installs the shortcuts, the live summary and the colormap control; returns its state listener. */
export function installAccessibility(api: PageApi): { stateChanged(state: State): void } {
  // shortcuts
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || ownsKey(e.target, e.key)) return;
    const hidden = api.state().hide;
    if (e.key === ' ' && !hidden.includes('play')) {
      e.preventDefault();
      void (api.client.state.playing ? api.pause() : api.play());
    } else if (e.key === 'ArrowRight' && !hidden.includes('step')) {
      e.preventDefault();
      void api.step(1);
    } else if ((e.key === 'r' || e.key === 'R') && !e.shiftKey && !hidden.includes('reset')) {
      e.preventDefault();
      void api.reset();
    }
  });
  const keyed: [string, string][] = [
    ['play', 'Space'],
    ['step', 'ArrowRight'],
    ['reset', 'R'],
  ];
  for (const [id, key] of keyed) document.getElementById(id)?.setAttribute('aria-keyshortcuts', key);
  const keys = el('span', 'keys note', 'keys: space play/pause · → step · r reset');
  document.getElementById('metrics')?.before(keys);

  // live summary (polite, throttled: every few seconds while playing; at once when paused or stepped)
  const live = el('p', 'sr-only');
  live.id = 'live-summary';
  live.setAttribute('role', 'status');
  live.setAttribute('aria-live', 'polite');
  document.body.append(live);
  let spokenAt = -Infinity;
  let spokenStep = -1;
  let pending: Snapshot | null = null;
  let timer = 0;
  const speak = () => {
    timer = 0;
    if (!pending) return;
    live.textContent = summaryOf(pending, api.client.state.playing);
    spokenAt = performance.now();
    spokenStep = pending.step;
    pending = null;
  };
  api.client.onSnapshot((snap, state) => {
    if (snap.step === spokenStep && state.playing) return;
    pending = snap;
    if (timer) return;
    const wait = state.playing ? Math.max(0, spokenAt + SUMMARY_MS - performance.now()) : 300;
    timer = window.setTimeout(speak, wait);
  });

  // colormap control in the header
  const row = api.controls.rowOf('cmap');
  if (row) {
    row.classList.add('cmap-pick');
    document.getElementById('share')?.before(row);
  }
  let cmap = api.state().cmap;
  setSequential(cmap);
  return {
    stateChanged(state: State) {
      if (state.cmap === cmap) return;
      cmap = state.cmap;
      setSequential(cmap);
      // redraw at once, also when paused
      if (api.client.state.configured) void api.client.snapshot().catch(() => undefined);
    },
  };
}
