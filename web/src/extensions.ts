// The page's extension point: main.ts hands this module a small API of the live page (PageApi) and calls
// the returned Hooks at a few moments. Embed mode and its message API, the share panel,
// exercises, exports and accessibility plug in here, each in a module of its own.
import type { Controls } from './controls.js';
import type { EngineClient } from './engine/index.js';
import { fromQuery, withChanges, DEFAULTS, type State } from './state.js';
import { exerciseById } from './exercises.js';
import { installAccessibility } from './a11y.js';
import { installEmbedLayout } from './embed/layout.js';
import { installVisibilityPause } from './embed/visibility.js';
import { installMessageApi } from './embed/api.js';
import { SharePanel } from './share.js';
import { ExercisePanel } from './classroom/panel.js';
import { installExports } from './export.js';
import { installDatasetUpload } from './upload.js';
import './extensions.css';

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

/** What main.ts calls. */
export interface Hooks {
  /**
   * Whether a run of `state` (default: the current one) starts playing on load: the `autoplay` field, never
   * under prefers-reduced-motion, never an exercise (it opens paused and counts from the student's first play).
   */
  autoplay(state?: State): boolean;
  /** The engine loaded and the first run is configured (and playing if it autoplays). */
  started(): void;
  /** The state changed (after every edit, preset, load; the URL is already updated). */
  stateChanged(state: State): void;
  /** The header's share button. */
  share(): void;
}

/** Whether the visitor asked for reduced motion. */
export const reducedMotion = (): boolean => matchMedia('(prefers-reduced-motion: reduce)').matches;

/** The keys of a URL that only choose an exercise or shape an embed (not the run). */
const PAGE_KEYS = new Set(['exercise', 'embed', 'views', 'controls', 'autoplay', 'allowedOrigins', 'cmap']);

/** The fields of how the page is shown (embed, colormap, hidden controls), kept when a preset or an exercise replaces the run. */
const PAGE_FIELDS = ['embed', 'views', 'controls', 'autoplay', 'origins', 'cmap'] as const;

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
  const state = fromQuery(query);
  const exercise = exerciseById(state.exercise);
  if (!exercise) return state;
  const keys = [...new URLSearchParams(query).keys()];
  if (keys.some((k) => !PAGE_KEYS.has(k) && !k.endsWith('_hide'))) return state;
  return withPageFields(withChanges(DEFAULTS, { ...exercise.state, exercise: exercise.id }), state);
}

/** Installs every extension on the page; returns the hooks main.ts calls. */
export function installExtensions(api: PageApi): Hooks {
  const listeners: ((state: State) => void)[] = [];
  const onState = (f: (state: State) => void) => listeners.push(f);
  const initial = api.state();

  const a11y = installAccessibility(api);
  onState(a11y.stateChanged);
  const exercises = new ExercisePanel(api);
  onState((s) => exercises.stateChanged(s));
  const layout = installEmbedLayout(api); // after the panels that show or hide themselves
  onState(layout.stateChanged);
  installExports(api);
  const upload = installDatasetUpload(api);
  onState((s) => upload.stateChanged(s));
  const share = new SharePanel(api);
  onState((s) => share.stateChanged(s));
  const messages = initial.embed || window.parent !== window ? installMessageApi(api) : null;
  if (initial.embed) installVisibilityPause(api);

  return {
    autoplay: (state = api.state()) => state.autoplay && !exerciseById(state.exercise) && !reducedMotion(),
    started: () => messages?.ready(),
    stateChanged: (state) => {
      for (const f of listeners) f(state);
    },
    share: () => share.toggle(),
  };
}
