// A small TeX → MathML typesetter for the page's own $…$ text (the intro, presets, exercises): the
// browser lays MathML out natively, so the page ships no math library, stylesheet or fonts (the page's
// byte budget). It knows the subset those texts use — letters, numbers, operators, groups, sub- and
// superscripts, \frac, \sqrt, \mathrm, \bar, \| and the commands in COMMANDS — and throws on anything else, so a
// new text with an unknown command fails loudly (tests/web/mathml.test.mjs typesets every one).
// Pure: builds a small tree; the page turns it into DOM (mathtext.ts), tests into markup.

/** A MathML element: tag, attributes and children (elements or a text). */
export interface MathNode {
  tag: string;
  attrs?: Record<string, string>;
  children?: MathNode[];
  text?: string;
}

/** Commands with a fixed symbol: [tag, text]. */
const COMMANDS: Record<string, [string, string]> = {
  alpha: ['mi', 'α'],
  eta: ['mi', 'η'],
  mu: ['mi', 'μ'],
  psi: ['mi', 'ψ'],
  ell: ['mi', 'ℓ'],
  infty: ['mi', '∞'],
  nabla: ['mi', '∇'],
  top: ['mi', '⊤'],
  ge: ['mo', '≥'],
  le: ['mo', '≤'],
  gtrsim: ['mo', '≳'],
  approx: ['mo', '≈'],
  propto: ['mo', '∝'],
  pm: ['mo', '±'],
  odot: ['mo', '⊙'],
  cdot: ['mo', '⋅'],
  to: ['mo', '→'],
  in: ['mo', '∈'],
  ldots: ['mo', '…'],
  sum: ['mo', '∑'],
  '|': ['mo', '‖'],
  '{': ['mo', '{'],
  '}': ['mo', '}'],
};
/** Operator names set upright, with a thin space after them (as \min, \log, \arg are in TeX). */
const OPERATOR_NAMES = new Set(['min', 'max', 'arg', 'log', 'ln', 'exp']);
/** Plain characters typeset as operators, with the typographic form some of them take. */
const OPERATORS: Record<string, string> = { '-': '−', '*': '∗', "'": '′' };
/** Fences keep their size, as in TeX without \left…\right (MathML would stretch them). */
const FENCES = new Set(['(', ')', '[', ']', '|', '‖']);

const leaf = (tag: string, text: string, attrs?: Record<string, string>): MathNode => (attrs ? { tag, attrs, text } : { tag, text });
const operator = (text: string): MathNode => leaf('mo', text, FENCES.has(text) ? { stretchy: 'false' } : undefined);
const row = (children: MathNode[]): MathNode => (children.length === 1 ? children[0] : { tag: 'mrow', children });

class Parser {
  private at = 0;
  constructor(private readonly tex: string) {}

  parse(): MathNode[] {
    const nodes = this.sequence();
    if (this.at < this.tex.length) throw this.error(`unexpected "${this.tex[this.at]}"`);
    return nodes;
  }

  private error(message: string): Error {
    return new Error(`math "${this.tex}": ${message} at ${this.at}`);
  }

  private skipSpace(): void {
    while (this.at < this.tex.length && /\s/.test(this.tex[this.at])) this.at++;
  }

  /** Atoms with their scripts until the end or a closing brace. */
  private sequence(): MathNode[] {
    const nodes: MathNode[] = [];
    for (;;) {
      this.skipSpace();
      if (this.at >= this.tex.length || this.tex[this.at] === '}') return nodes;
      nodes.push(...this.scripted());
    }
  }

  /** An atom and any _ and ^ after it; an operator name is followed by a thin space. */
  private scripted(): MathNode[] {
    const { node: base, operatorName } = this.atom();
    let sub: MathNode | null = null;
    let sup: MathNode | null = null;
    for (;;) {
      this.skipSpace();
      const c = this.tex[this.at];
      if (c !== '_' && c !== '^') break;
      this.at++;
      if ((c === '_' ? sub : sup) !== null) throw this.error(`double ${c}`);
      const script = this.atom().node;
      if (c === '_') sub = script;
      else sup = script;
    }
    const node: MathNode =
      sub && sup
        ? { tag: 'msubsup', children: [base, sub, sup] }
        : sub
          ? { tag: 'msub', children: [base, sub] }
          : sup
            ? { tag: 'msup', children: [base, sup] }
            : base;
    return operatorName ? [node, { tag: 'mspace', attrs: { width: '0.1667em' } }] : [node];
  }

  /** One letter, number, symbol, command or {group}. */
  private atom(): { node: MathNode; operatorName?: boolean } {
    this.skipSpace();
    const tex = this.tex;
    const c = tex[this.at];
    if (c === undefined) throw this.error('missing argument');
    if (c === '{') {
      this.at++;
      const children = this.sequence();
      if (tex[this.at] !== '}') throw this.error('unclosed {');
      this.at++;
      return { node: row(children) };
    }
    if (c === '\\') return this.command();
    if (/[A-Za-z]/.test(c)) {
      this.at++;
      return { node: leaf('mi', c) };
    }
    const number = /^[0-9]+(?:\.[0-9]+)?/.exec(tex.slice(this.at));
    if (number) {
      this.at += number[0].length;
      return { node: leaf('mn', number[0]) };
    }
    if (c === '}' || c === '_' || c === '^' || c === '&' || c === '#' || c === '%' || c === '~') throw this.error(`unexpected "${c}"`);
    this.at++;
    return { node: operator(OPERATORS[c] ?? c) };
  }

  private command(): { node: MathNode; operatorName?: boolean } {
    const name = /^\\([A-Za-z]+|.)/.exec(this.tex.slice(this.at))?.[1];
    if (name === undefined) throw this.error('lone backslash');
    this.at += 1 + name.length;
    if (name in COMMANDS) {
      const [tag, text] = COMMANDS[name];
      return { node: tag === 'mo' ? operator(text) : leaf(tag, text) };
    }
    if (OPERATOR_NAMES.has(name)) return { node: leaf('mi', name), operatorName: true };
    if (name === 'mathrm') {
      this.skipSpace();
      const text = /^\{([A-Za-z0-9 ]*)\}/.exec(this.tex.slice(this.at));
      if (!text) throw this.error('\\mathrm takes {letters}');
      this.at += text[0].length;
      return { node: leaf('mi', text[1], { mathvariant: 'normal' }) };
    }
    if (name === 'sqrt') return { node: { tag: 'msqrt', children: [this.atom().node] } };
    if (name === 'frac') return { node: { tag: 'mfrac', children: [this.atom().node, this.atom().node] } };
    if (name === 'bar') return { node: { tag: 'mover', attrs: { accent: 'true' }, children: [this.atom().node, leaf('mo', '¯')] } };
    throw this.error(`unknown command \\${name}`);
  }
}

/** The <math> tree of a TeX formula (inline), its source kept as an annotation; throws on what it does not know. */
export function texToMathML(tex: string): MathNode {
  const body = row(new Parser(tex).parse());
  return {
    tag: 'math',
    children: [{ tag: 'semantics', children: [body, leaf('annotation', tex, { encoding: 'application/x-tex' })] }],
  };
}

/** The tree as MathML markup (for tests and inspection; the page builds DOM nodes instead). */
export function mathMarkup(node: MathNode): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const attrs = Object.entries(node.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escape(v)}"`)
    .join('');
  const inner = node.text !== undefined ? escape(node.text) : (node.children ?? []).map(mathMarkup).join('');
  return `<${node.tag}${attrs}>${inner}</${node.tag}>`;
}
