// Our own explanatory text with $…$ math, typeset as MathML (mathml.ts) that the browser lays out.
// Plain parts are text nodes; only these fixed strings ever reach the typesetter (nothing from the URL
// or from input). A formula it cannot typeset stays as its TeX source, with a console error.
import { texToMathML, type MathNode } from './mathml.js';

const MATHML = 'http://www.w3.org/1998/Math/MathML';

function build(node: MathNode): Element {
  const element = document.createElementNS(MATHML, node.tag);
  for (const [k, v] of Object.entries(node.attrs ?? {})) element.setAttribute(k, v);
  if (node.text !== undefined) element.textContent = node.text;
  else for (const child of node.children ?? []) element.append(build(child));
  return element;
}

/** Replaces target's content with text whose $…$ parts are typeset. */
export function renderMathText(target: HTMLElement, text: string): void {
  const parts = text.split('$');
  const nodes: Node[] = parts.map((part, k) => {
    if (k % 2 === 0) return document.createTextNode(part);
    try {
      return build(texToMathML(part));
    } catch (e) {
      console.error((e as Error).message);
      return document.createTextNode(`$${part}$`);
    }
  });
  target.replaceChildren(...nodes);
}
