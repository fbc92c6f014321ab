// The page as its extensions see it: the API of the live page (PageApi, which main.ts implements and
// hands to extensions.ts), and pure helpers on the page's state that main.ts and the extensions share.
import type { Controls } from './controls.js';
import type { EngineClient } from './engine/index.js';
import { exerciseById } from './exercises.js';
import { DEFAULTS, fromQuery, withChanges, type State } from './state.js';

/** What the extensions may do with the live page. */
export interface PageApi {
  readonly client: EngineClient;
  readonly controls: Controls;
  /** The current state. */
  state(): State;
  /** A visitor-like edit (restart fields start a new run; rejected values show inline). */
  change(changes: Partial<State>): Promise<void>;
  /** Replaces the whole state with a new run; rejects with the engine's message when it is invalid. */
  load(next: State, play: boolean): Promise<void>;
  play(): Promise<void>;
  pause(): Promise<void>;
  step(count: number): Promise<void>;
  reset(): Promise<void>;
}

/** Whether the visitor asked for reduced motion. */
export const reducedMotion = (): boolean => matchMedia('(prefers-reduced-motion: reduce)').matches;

/** Whether this document is the embed entry (dist/embed.html, <html data-embed>): embed mode, whatever its URL says. */
export const embedEntry = (): boolean => typeof document !== 'undefined' && document.documentElement.hasAttribute('data-embed');

/** The keys of a URL that only choose an exercise or shape an embed (not the run). */
const PAGE_KEYS = new Set(['exercise', 'embed', 'views', 'controls', 'autoplay', 'allowedOrigins', 'cmap', 'attn']);

/** The fields of how the page is shown (embed, colormap, attention scale, hidden controls), kept when a preset or an exercise replaces the run. */
const PAGE_FIELDS = ['embed', 'views', 'controls', 'autoplay', 'origins', 'cmap', 'attn'] as const;

/**
 * `next` with the page fields of `current`. Hidden controls: next's, plus those of current that its
 * exercise did not hide itself (a teacher's choice outlives a preset or another exercise).
 */
export function withPageFields(next: State, current: State): State {
  const page: Partial<State> = {};
  for (const name of PAGE_FIELDS) (page as Record<string, unknown>)[name] = current[name];
  const own = exerciseById(current.exercise)?.state.hide ?? [];
  const kept = current.hide.filter((h) => !own.includes(h));
  return withChanges(next, { ...page, hide: [...new Set([...next.hide, ...kept])] });
}

/**
 * The state of the page's URL. A link that names an exercise and nothing of the run (e.g. `?exercise=find-p`)
 * starts that exercise's state.
 */
export function initialState(query: string): State {
  const state = embedEntry() ? withChanges(fromQuery(query), { embed: true }) : fromQuery(query);
  const exercise = exerciseById(state.exercise);
  if (!exercise) return state;
  const keys = [...new URLSearchParams(query).keys()];
  if (keys.some((k) => !PAGE_KEYS.has(k) && !k.endsWith('_hide'))) return state;
  return withPageFields(withChanges(DEFAULTS, { ...exercise.state, exercise: exercise.id }), state);
}
