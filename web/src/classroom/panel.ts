// The exercise panel: pick an exercise (header menu), read its question, watch its goal checked live from
// the engine's snapshots, open hints one by one, reveal the answer and load the known solution.
import { checkGoal, goalInWords, type GoalResult } from './checker.js';
import { EXERCISES, exerciseById, type Exercise } from '../exercises.js';
import { reducedMotion, withPageFields, type PageApi } from '../page.js';
import { renderMathText } from '../mathtext.js';
import { DEFAULTS, withChanges, type State } from '../state.js';
import { el, fmt } from '../dom.js';
import type { Snapshot } from '../engine/index.js';

/** How often the goal is re-checked while snapshots stream in. */
const CHECK_MS = 200;

const STATUS_TEXT: Record<GoalResult['status'], string> = {
  met: 'Goal met',
  unmet: 'Not yet',
  missed: 'Missed the step limit: change something (the run restarts) or press reset',
  unavailable: 'Not measured yet',
};

/** The starting state of an exercise (on the defaults, keeping the page's display and embed fields). */
function exerciseState(exercise: Exercise, current: State): State {
  return withPageFields(withChanges(DEFAULTS, { ...exercise.state, exercise: exercise.id }), current);
}

/** The exercise menu and panel. */
export class ExercisePanel {
  readonly element = el('section', 'panel view-exercise');
  private picker = el('select');
  private title = el('h2');
  private question = el('div', 'exercise-question');
  private goal = el('p', 'note exercise-goal');
  private status = el('p', 'exercise-status');
  private hints = el('ol', 'exercise-hints');
  private hintButton = el('button', '', 'show a hint');
  private answer = el('details', 'exercise-answer');
  private answerText = el('div');
  private current: Exercise | undefined;
  private shownHints = 0;
  /** The first step the goal was met in this run (latched until the run restarts). */
  private metAt: number | null = null;
  private lastStep = -1;
  private checkTimer = 0;
  private latest: Snapshot | null = null;

  constructor(private readonly api: PageApi) {
    // header menu
    const pick = el('label', 'exercise-pick', 'exercise ');
    this.picker.id = 'exercise';
    this.picker.append(Object.assign(el('option', '', '— classroom exercises —'), { value: '' }));
    for (const e of EXERCISES) this.picker.append(Object.assign(el('option', '', e.title), { value: e.id }));
    this.picker.addEventListener('change', () => void this.start(this.picker.value));
    pick.append(this.picker);
    document.querySelector('.preset-pick')?.after(pick);

    // panel
    this.element.hidden = true;
    this.element.setAttribute('aria-labelledby', 'exercise-title');
    this.title.id = 'exercise-title';
    this.status.setAttribute('role', 'status');
    this.status.id = 'exercise-status';
    this.hintButton.type = 'button';
    this.hintButton.id = 'exercise-hint';
    this.hintButton.addEventListener('click', () => this.showHint());
    const summary = el('summary', '', 'reveal the answer');
    const solve = el('button', '', 'load the solution');
    solve.type = 'button';
    solve.id = 'exercise-solve';
    solve.addEventListener('click', () => void this.solve());
    this.answer.append(summary, this.answerText, solve);
    const restart = el('button', '', 'restart the exercise');
    restart.type = 'button';
    restart.id = 'exercise-restart';
    restart.addEventListener('click', () => void this.start(this.current?.id ?? ''));
    const close = el('button', '', 'leave');
    close.type = 'button';
    close.addEventListener('click', () => void this.api.change({ exercise: '' }));
    const buttons = el('div', 'exercise-buttons');
    buttons.append(this.hintButton, restart, close);
    this.element.append(this.title, this.question, this.goal, this.status, this.hints, buttons, this.answer);
    document.getElementById('right')?.prepend(this.element);

    api.client.onSnapshot((snap) => {
      this.latest = snap;
      if (!this.checkTimer) this.checkTimer = window.setTimeout(() => this.check(), CHECK_MS);
    });
  }

  /** Loads an exercise's starting state ('' leaves the exercise), paused: the student reads the question, then plays. */
  private async start(id: string): Promise<void> {
    const exercise = exerciseById(id);
    if (!exercise) return this.api.change({ exercise: '' });
    const next = exerciseState(exercise, this.api.state());
    if (this.api.client.state.playing) await this.api.pause();
    await this.api.load(next, false).catch(() => undefined);
  }

  /** Applies the known solution to the exercise's starting state (a new run). */
  private async solve(): Promise<void> {
    const exercise = this.current;
    if (!exercise) return;
    const next = withChanges(exerciseState(exercise, this.api.state()), exercise.solution);
    await this.api.load(next, next.autoplay && !reducedMotion()).catch(() => undefined);
  }

  private showHint(): void {
    const exercise = this.current;
    if (!exercise || this.shownHints >= exercise.hints.length) return;
    const li = el('li');
    renderMathText(li, exercise.hints[this.shownHints++]);
    this.hints.append(li);
    this.hintButton.disabled = this.shownHints >= exercise.hints.length;
  }

  stateChanged(state: State): void {
    const exercise = exerciseById(state.exercise);
    if (this.picker.value !== (exercise?.id ?? '')) this.picker.value = exercise?.id ?? '';
    this.element.hidden = !exercise;
    if (exercise !== this.current) {
      this.current = exercise;
      this.shownHints = 0;
      this.hints.replaceChildren();
      this.answer.open = false;
      if (exercise) {
        this.title.textContent = `Exercise: ${exercise.title}`;
        // the question and answer quote checked numbers: shown once claims.ts and its table (loaded when first needed) are in
        this.question.replaceChildren();
        this.answerText.replaceChildren();
        void import('../claims.js').then(({ quoteClaims }) => {
          if (this.current !== exercise) return;
          renderMathText(this.question, quoteClaims(`exercise:${exercise.id}`, exercise.question, exercise.claims));
          renderMathText(this.answerText, quoteClaims(`exercise:${exercise.id}`, exercise.answer, exercise.claims));
        });
        this.goal.textContent = `Goal: ${goalInWords(exercise.goal)}.`;
        this.hintButton.disabled = exercise.hints.length === 0;
      }
    }
    // every change may have restarted the run: check afresh, on the new run's snapshots
    this.latest = null;
    this.metAt = null;
    this.lastStep = -1;
    this.show(null);
  }

  private check(): void {
    this.checkTimer = 0;
    const snap = this.latest;
    const exercise = this.current;
    if (!snap || !exercise) return;
    if (snap.step < this.lastStep) this.metAt = null; // reset or a new run
    this.lastStep = snap.step;
    const result = checkGoal(exercise.goal, snap);
    if (result.status === 'met' && this.metAt === null) this.metAt = result.step ?? snap.step;
    this.show(this.metAt !== null ? { ...result, status: 'met', step: this.metAt } : result);
    this.status.dataset.step = String(snap.step);
  }

  private show(result: GoalResult | null): void {
    const exercise = this.current;
    if (!exercise) return;
    if (!result) {
      delete this.status.dataset.step;
      this.status.dataset.goal = 'unmet';
      this.status.textContent = STATUS_TEXT.unmet;
      return;
    }
    this.status.dataset.goal = result.status;
    // NaN: not measured yet (the SVM references of a new run are still being solved)
    const values = exercise.goal.all
      .map((c, k) => `${c.metric} = ${Number.isNaN(result.values[k]) ? '…' : fmt(result.values[k], 5)}`)
      .join(', ');
    const detail =
      result.status === 'met'
        ? ` at step ${result.step}.`
        : result.status === 'unavailable'
          ? `: this run does not report ${result.missing.join(', ')}.`
          : ` (${values}).`;
    this.status.textContent = STATUS_TEXT[result.status] + detail;
  }
}
