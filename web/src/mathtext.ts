// Our own explanatory text with $…$ math, typeset by the bundled KaTeX. Plain parts are text nodes;
// only these fixed strings ever reach KaTeX (nothing from the URL or from input).
import katex from 'katex';
import 'katex/dist/katex.min.css';

/** Replaces target's content with text whose $…$ parts are typeset. */
export function renderMathText(target: HTMLElement, text: string): void {
  const parts = text.split('$');
  const nodes: Node[] = parts.map((part, k) => {
    if (k % 2 === 0) return document.createTextNode(part);
    const span = document.createElement('span');
    katex.render(part, span, { throwOnError: false, strict: 'ignore' });
    return span;
  });
  target.replaceChildren(...nodes);
}
