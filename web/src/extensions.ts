// The page's extension point: main.ts (its only importer) hands this module a small API of the live page
// (PageApi, page.ts) and calls the returned Hooks at a few moments. Embed mode and its message API, the
// share panel, exercises, exports and accessibility plug in here, each in a module of its own.
import type { State } from './state.js';
import { exerciseById } from './exercises.js';
import { reducedMotion, type PageApi } from './page.js';
import { installAccessibility } from './a11y.js';
import { installEmbedLayout } from './embed/layout.js';
import { installVisibilityPause } from './embed/visibility.js';
import { installMessageApi } from './embed/api.js';
import type { SharePanel } from './share.js';
import { ExercisePanel } from './classroom/panel.js';
import { installExports } from './export.js';
import { installDatasetUpload } from './upload.js';
import './extensions.css';

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
  // the share panel is built when first opened: share.ts loads then, not with the first view
  let share: Promise<SharePanel> | null = null;
  const sharePanel = () => (share ??= import('./share.js').then(({ SharePanel }) => new SharePanel(api)));
  onState((s) => void share?.then((panel) => panel.stateChanged(s)));
  const messages = initial.embed || window.parent !== window ? installMessageApi(api) : null;
  if (initial.embed) installVisibilityPause(api);

  return {
    autoplay: (state = api.state()) => state.autoplay && !exerciseById(state.exercise) && !reducedMotion(),
    started: () => messages?.ready(),
    stateChanged: (state) => {
      for (const f of listeners) f(state);
    },
    share: () => void sharePanel().then((panel) => panel.toggle()),
  };
}
