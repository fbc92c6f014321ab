// Recovery from a dead engine worker (crashed, trapped, killed for memory, or silent): the client detects
// it and terminates it; this module decides whether to start a new one and words the message. A worker
// that keeps dying (e.g. a config that runs out of memory every time) is not restarted forever.
import type { Crash } from './engine/client.js';

/** At most this many restarts within WINDOW_MS; then the page asks for a reload. */
const MAX_RESTARTS = 3;
const WINDOW_MS = 60_000;

/** Counts restarts in a sliding window. */
export class RestartBudget {
  private times: number[] = [];

  constructor(
    private readonly max = MAX_RESTARTS,
    private readonly windowMs = WINDOW_MS,
  ) {}

  /** Whether another restart is allowed at `now` (and counts it when it is). */
  take(now: number): boolean {
    this.times = this.times.filter((t) => now - t < this.windowMs);
    if (this.times.length >= this.max) return false;
    this.times.push(now);
    return true;
  }
}

/** The banner after a successful restart. */
function restartedMessage(crash: Crash): string {
  return `The engine stopped (${crash.message}) and was restarted; the run restarted from its settings.`;
}

/** The banner when restarts are exhausted or the restart itself failed. */
function givenUpMessage(crash: Crash, reason: string): string {
  return `The engine stopped (${crash.message}) and ${reason}. Reload the page to try again (a smaller setting may help).`;
}

/**
 * Restarts a dead worker's run with `restart` if the budget allows; returns the message for the page
 * (restarted, given up, or the restart's own failure).
 */
export async function restartRun(budget: RestartBudget, crash: Crash, restart: () => Promise<void>): Promise<string> {
  if (!budget.take(performance.now())) return givenUpMessage(crash, 'kept stopping, so it was not restarted again');
  try {
    await restart();
    return restartedMessage(crash);
  } catch (e) {
    return givenUpMessage(crash, `could not be restarted: ${(e as Error).message}`);
  }
}
