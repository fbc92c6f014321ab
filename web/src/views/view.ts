// The interface every view implements.
import type { Snapshot } from '../engine/index.js';

/** What the page knows besides the snapshot: the dataset and the engine's normalised config. */
export interface RunContext {
  dataset: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** A panel that draws the latest snapshot. */
export interface View {
  /** The panel's root element. */
  readonly element: HTMLElement;
  /** Shortest interval between two renders in ms (default 0: every new snapshot). */
  readonly minInterval?: number;
  /** Draws the snapshot (called at most once per animation frame). */
  render(snapshot: Snapshot): void;
  /** A new run started (new data or model): forget per-run state. */
  reset?(context: RunContext): void;
}
