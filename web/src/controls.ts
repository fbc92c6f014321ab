// The control panel, built from the state schema: one row per field, grouped; every input reports its
// parsed value, and errors (ours or the engine's) are shown inline next to the control.
import { SCHEMA, formatValue, parseValue, type Field, type Group, type State, type Value } from './state.js';
import { el } from './dom.js';

/** Called with the changed fields when the visitor edits a control. */
export type ChangeListener = (changes: Partial<State>) => void;

const GROUP_TITLES: Record<Group, string> = {
  data: 'Data',
  model: 'Model & loss',
  optimizer: 'Optimiser',
  svm: 'SVM references',
  ensemble: 'Ensemble (many seeds)',
  compare: 'Compare two runs',
  run: 'Run',
};

interface Row {
  field: Field;
  element: HTMLElement;
  inputs: (HTMLInputElement | HTMLSelectElement)[];
  error: HTMLElement;
}

/** The controls panel. */
export class Controls {
  readonly element = el('div', 'controls');
  private rows = new Map<keyof State, Row>();
  private groups = new Map<Group, HTMLElement>();

  constructor(private readonly onChange: ChangeListener) {
    for (const field of SCHEMA) {
      if (field.hidden) continue;
      const row = this.buildRow(field);
      this.rows.set(field.name, row);
      this.group(field.group).append(row.element);
    }
  }

  /** The fieldset of a group (created on first use), for extra buttons. */
  group(group: Group): HTMLElement {
    let g = this.groups.get(group);
    if (!g) {
      g = el('fieldset', `group group-${group}`);
      g.append(el('legend', '', GROUP_TITLES[group]));
      this.groups.set(group, g);
      this.element.append(g);
    }
    return g;
  }

  /** The row element of a field (to place it elsewhere, e.g. speed in the run bar). */
  rowOf(name: keyof State): HTMLElement | undefined {
    return this.rows.get(name)?.element;
  }

  private buildRow(field: Field): Row {
    const element = el('div', 'row');
    element.dataset.field = field.name;
    const id = `ctl-${field.name}`;
    const label = el('label', '', field.label);
    label.htmlFor = id;
    if (field.title) element.title = field.title;
    const error = el('span', 'error');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    let inputs: (HTMLInputElement | HTMLSelectElement)[];
    if (field.type === 'enum') {
      const select = el('select');
      for (const o of field.options!) {
        const option = el('option', '', o);
        option.value = o;
        select.append(option);
      }
      inputs = [select];
      element.append(label, select);
    } else if (field.type === 'set') {
      const box = el('span', 'checks');
      inputs = field.options!.map((o) => {
        const input = el('input');
        input.type = 'checkbox';
        input.value = o;
        const l = el('label', 'check');
        l.append(input, document.createTextNode(o));
        box.append(l);
        return input;
      });
      element.append(el('span', 'label', field.label), box);
    } else if (field.type === 'bool') {
      const input = el('input');
      input.type = 'checkbox';
      inputs = [input];
      element.append(label, input);
    } else {
      const input = el('input');
      input.type = field.type === 'string' ? 'text' : 'number';
      if (field.type === 'number') input.step = 'any';
      if (field.type === 'int') input.step = '1';
      inputs = [input];
      element.append(label, input);
    }
    inputs[0].id = id;
    inputs[0].name = field.key;
    for (const input of inputs) input.addEventListener('change', () => this.edited(field));
    element.append(error);
    return { field, element, inputs, error };
  }

  private edited(field: Field): void {
    const row = this.rows.get(field.name)!;
    let value: Value | undefined;
    if (field.type === 'set') value = row.inputs.filter((i) => (i as HTMLInputElement).checked).map((i) => i.value);
    else if (field.type === 'bool') value = (row.inputs[0] as HTMLInputElement).checked;
    else value = parseValue(field, row.inputs[0].value);
    if (value === undefined) {
      this.showError(
        [field.name],
        `${field.label}: “${row.inputs[0].value}” is not a valid ${field.type === 'int' ? 'integer' : field.type}`,
      );
      return;
    }
    this.onChange({ [field.name]: value } as Partial<State>);
  }

  /** Shows the state in the inputs, and which rows apply to it. */
  set(state: State): void {
    for (const row of this.rows.values()) {
      const f = row.field;
      const value = state[f.name];
      if (f.type === 'set') for (const i of row.inputs) (i as HTMLInputElement).checked = (value as string[]).includes(i.value);
      else if (f.type === 'bool') (row.inputs[0] as HTMLInputElement).checked = Boolean(value);
      else if (document.activeElement !== row.inputs[0] || row.error.hidden) row.inputs[0].value = formatValue(f, value);
      row.element.hidden = f.visible ? !f.visible(state) : false;
    }
    // "inline" exists only once tokens were dragged
    const kind = this.rows.get('kind')?.inputs[0] as HTMLSelectElement | undefined;
    const inline = kind?.querySelector<HTMLOptionElement>('option[value="inline"]');
    if (inline) inline.disabled = state.inline === '';
  }

  /** Shows a message next to the named controls (or reports that none is shown). */
  showError(names: (keyof State)[], message: string): boolean {
    let shown = false;
    for (const name of names) {
      const row = this.rows.get(name);
      if (!row) continue;
      row.error.textContent = message;
      row.error.hidden = false;
      row.element.classList.add('invalid');
      shown = true;
    }
    return shown;
  }

  /** Clears the inline errors of the named controls (all when omitted). */
  clearErrors(names?: (keyof State)[]): void {
    for (const [name, row] of this.rows) {
      if (names && !names.includes(name)) continue;
      row.error.hidden = true;
      row.error.textContent = '';
      row.element.classList.remove('invalid');
    }
  }
}
