// Dataset upload in the data group: a JSON or CSV file (docs/design.md §9.3) is read and validated
// by the engine in the worker (the CLI's reader; the page never parses it), previewed, and on "use this
// dataset" becomes the inline dataset of a new run. A rejected file shows the core's message next to the
// upload and the running run is left alone. Everything from the file is shown as text.
import { keepDataset } from './datastore.js';
import type { PageApi } from './page.js';
import { withChanges, type State } from './state.js';
import { el, fmt } from './dom.js';

/** Tokens and coordinates of the first sequence shown in the preview. */
const PREVIEW_TOKENS = 4;
const PREVIEW_DIMS = 6;
/** The arrays of a dataset file (parseDataset also reports the query mode it read it in). */
const DATASET_KEYS = ['X', 'y', 'z', 'v', 'X_test', 'y_test', 'z_test'];

type Matrix3 = number[][][];

/** The file's format from its name (the core detects JSON or CSV when the name says neither). */
function formatOf(name: string): 'json' | 'csv' | 'auto' {
  const lower = name.toLowerCase();
  return lower.endsWith('.csv') ? 'csv' : lower.endsWith('.json') ? 'json' : 'auto';
}

/** The upload control and its preview. */
export class DatasetUpload {
  readonly element = el('div', 'upload');
  private readonly input = el('input');
  private readonly error = el('span', 'error');
  private readonly preview = el('div', 'upload-preview');
  private readonly use = el('button', 'upload-use', 'use this dataset');
  /** Why a copied link does not carry the dataset in use (shown while it is). */
  private readonly note = el('p', 'note upload-note');
  private parsed: { name: string; json: string; decoder: boolean } | null = null;
  /** The stored reference of the dataset in use (large uploads), if any. */
  private storedRef = '';

  constructor(private readonly api: PageApi) {
    this.element.dataset.field = 'upload';
    const label = el('label', '', 'upload dataset (JSON or CSV)');
    this.input.type = 'file';
    this.input.id = 'upload-dataset';
    this.input.accept = '.json,.csv,application/json,text/csv';
    label.htmlFor = this.input.id;
    this.error.id = 'upload-error';
    this.error.setAttribute('role', 'alert');
    this.error.hidden = true;
    this.preview.id = 'upload-preview';
    this.preview.hidden = true;
    this.use.type = 'button';
    this.use.id = 'upload-use';
    this.use.addEventListener('click', () => void this.useDataset());
    this.note.id = 'upload-note';
    this.note.hidden = true;
    this.input.addEventListener('change', () => void this.read());
    this.element.append(label, this.input, this.error, this.preview, this.note);
  }

  /** The state changed: the note stays only while the stored dataset is the one in use. */
  stateChanged(state: State): void {
    this.note.hidden = !(this.storedRef !== '' && state.kind === 'inline' && state.inline === this.storedRef);
  }

  private async read(): Promise<void> {
    const file = this.input.files?.[0];
    this.parsed = null;
    this.preview.hidden = true;
    this.showError('');
    if (!file) return;
    try {
      const text = await file.text();
      const dataset = await this.api.client.parseDataset(text, formatOf(file.name), this.api.state().query === 'self' ? 'self' : 'cross');
      const arrays = Object.fromEntries(DATASET_KEYS.filter((k) => k in dataset).map((k) => [k, dataset[k]]));
      this.parsed = { name: file.name, json: JSON.stringify(arrays), decoder: Array.isArray(dataset.v) };
      this.showPreview(file.name, dataset);
    } catch (e) {
      this.showError(`${file.name}: ${(e as Error).message}`);
    }
  }

  private showError(message: string): void {
    this.error.textContent = message;
    this.error.hidden = message === '';
    this.element.classList.toggle('invalid', message !== '');
  }

  /** n, T, d, the label balance, a test split, and the first sequence's first tokens as a small table. */
  private showPreview(name: string, dataset: Record<string, unknown>): void {
    const X = dataset.X as Matrix3;
    const y = dataset.y as number[];
    const [n, T, d] = [X.length, X[0].length, X[0][0].length];
    const positive = y.filter((label) => label > 0).length;
    const testN = Array.isArray(dataset.X_test) ? (dataset.X_test as Matrix3).length : 0;
    const summary = el('p', 'upload-summary', `${name}: n = ${n}, T = ${T}, d = ${d} · labels +1: ${positive}, −1: ${n - positive}`);
    summary.id = 'upload-summary';
    if (testN > 0) summary.textContent += ` · test split n = ${testN}`;
    summary.textContent += Array.isArray(dataset.v) ? ' · decoder v given' : ' · no decoder v: it is trained from zero';
    const table = el('table', 'upload-table');
    const caption = el('caption', '', `sequence 0 (y = ${y[0]}), first tokens`);
    const head = el('tr');
    head.append(el('th', '', 't'));
    for (let j = 0; j < Math.min(d, PREVIEW_DIMS); ++j) head.append(el('th', '', `x${j + 1}`));
    if (d > PREVIEW_DIMS) head.append(el('th', '', '…'));
    table.append(caption, head);
    for (let t = 0; t < Math.min(T, PREVIEW_TOKENS); ++t) {
      const row = el('tr');
      row.append(el('td', '', String(t)));
      for (let j = 0; j < Math.min(d, PREVIEW_DIMS); ++j) row.append(el('td', '', fmt(X[0][t][j], 3)));
      table.append(row);
    }
    this.preview.replaceChildren(summary, table, this.use);
    this.preview.hidden = false;
  }

  /** Starts a run on the previewed dataset; the engine's rejection shows next to the upload. */
  private async useDataset(): Promise<void> {
    if (!this.parsed) return;
    const kept = keepDataset(this.parsed.json);
    // without a decoder in the file there is nothing to fix it to: it is trained (from zero, docs/design.md §4)
    const decoder = this.parsed.decoder ? {} : { decoder: 'trained' };
    const next = withChanges(this.api.state(), { kind: 'inline', inline: kept.inline, preset: '', ...decoder });
    try {
      await this.api.load(next, this.api.client.state.playing);
    } catch (e) {
      this.showError(`${this.parsed.name}: ${(e as Error).message}`);
      return;
    }
    this.showError('');
    this.storedRef = kept.where === 'url' ? '' : kept.inline;
    this.note.textContent =
      `${this.parsed.name} is too large for a link: it is kept in this ` +
      (kept.where === 'session' ? 'browser tab (also across reloads)' : 'page until it is reloaded') +
      ', and a copied link does not carry the file.';
    this.stateChanged(this.api.state());
  }
}

/** Adds the upload to the data group; returns it (for its stateChanged hook). */
export function installDatasetUpload(api: PageApi): DatasetUpload {
  const upload = new DatasetUpload(api);
  api.controls.group('data').append(upload.element);
  return upload;
}
