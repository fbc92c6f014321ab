// The page's TeX → MathML typesetter (web/src/mathml.ts) under Node, compiled by tsc into a temporary
// folder: the constructs the texts use come out as the MathML they mean, anything unknown is refused,
// and every $…$ formula the page ships (presets, exercises, the intro in main.ts) typesets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { compilePageModules, root } from './helpers.mjs';

let mathml, presets, exercises, cleanup;

before(async () => {
  ({
    modules: [mathml, presets, exercises],
    cleanup,
  } = await compilePageModules(['mathml', 'presets', 'exercises']));
});

after(() => cleanup?.());

/** The markup of a formula's body (inside <math><semantics>, without the TeX annotation). */
const body = (tex) => mathml.mathMarkup(mathml.texToMathML(tex).children[0].children[0]);

/** The $…$ parts of a text. */
const formulas = (text) => text.split('$').filter((_, k) => k % 2 === 1);

describe('TeX → MathML', () => {
  test('letters, numbers, operators and groups', () => {
    assert.equal(body('W = KQ'), '<mrow><mi>W</mi><mo>=</mo><mi>K</mi><mi>Q</mi></mrow>');
    assert.equal(body('p = 1.75'), '<mrow><mi>p</mi><mo>=</mo><mn>1.75</mn></mrow>');
    assert.equal(body('1 - s'), '<mrow><mn>1</mn><mo>−</mo><mi>s</mi></mrow>');
    assert.equal(body('{x}'), '<mi>x</mi>');
    // fences keep their size (TeX without \left…\right)
    assert.equal(body('f(x)'), '<mrow><mi>f</mi><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo></mrow>');
  });

  test('sub- and superscripts bind to the atom before them, groups and commands included', () => {
    assert.equal(body('x_{i0}'), '<msub><mi>x</mi><mrow><mi>i</mi><mn>0</mn></mrow></msub>');
    assert.equal(body('W^{*}_{mm}'), '<msubsup><mi>W</mi><mrow><mi>m</mi><mi>m</mi></mrow><mo>∗</mo></msubsup>');
    assert.equal(body('10^{-6}'), '<msup><mn>10</mn><mrow><mo>−</mo><mn>6</mn></mrow></msup>');
    assert.equal(body('s_{i\\alpha_i}'), '<msub><mi>s</mi><mrow><mi>i</mi><msub><mi>α</mi><mi>i</mi></msub></mrow></msub>');
    assert.equal(body('\\|W\\|_*'), '<mrow><mo stretchy="false">‖</mo><mi>W</mi><msub><mo stretchy="false">‖</mo><mo>∗</mo></msub></mrow>');
  });

  test('\\mathrm, \\bar, \\frac, operator names and symbols', () => {
    assert.equal(body('\\frac1H'), '<mfrac><mn>1</mn><mi>H</mi></mfrac>');
    assert.equal(body('\\frac{a}{b c}'), '<mfrac><mi>a</mi><mrow><mi>b</mi><mi>c</mi></mrow></mfrac>');
    assert.equal(body('\\mathrm{corr}'), '<mi mathvariant="normal">corr</mi>');
    assert.equal(body('\\bar W_t'), '<msub><mover accent="true"><mi>W</mi><mo>¯</mo></mover><mi>t</mi></msub>');
    assert.equal(body('\\min_i s'), '<mrow><msub><mi>min</mi><mi>i</mi></msub><mspace width="0.1667em"></mspace><mi>s</mi></mrow>');
    assert.equal(body('\\eta \\ge 0'), '<mrow><mi>η</mi><mo>≥</mo><mn>0</mn></mrow>');
  });

  test('the formula keeps its TeX source as an annotation', () => {
    const markup = mathml.mathMarkup(mathml.texToMathML('a < b'));
    assert.equal(
      markup,
      '<math><semantics><mrow><mi>a</mi><mo>&lt;</mo><mi>b</mi></mrow><annotation encoding="application/x-tex">a &lt; b</annotation></semantics></math>',
    );
  });

  test('square roots, set braces, membership and dots', () => {
    const markup = mathml.mathMarkup(mathml.texToMathML('\\frac{1}{\\sqrt H} \\in \\{1, \\ldots\\}'));
    assert.match(markup, /<mfrac><mn>1<\/mn><msqrt><mi>H<\/mi><\/msqrt><\/mfrac>/);
    assert.match(markup, /<mo>∈<\/mo><mo[^>]*>\{<\/mo><mn>1<\/mn><mo>,<\/mo><mo>…<\/mo><mo[^>]*>\}<\/mo>/);
  });

  test('the natural logarithm and proportionality (the rates presets)', () => {
    const markup = mathml.mathMarkup(mathml.texToMathML('1 - c \\propto 1/\\ln t'));
    assert.match(markup, /<mo>∝<\/mo>/);
    assert.match(markup, /<mi mathvariant="normal">ln<\/mi>|<mi>ln<\/mi>|<mo[^>]*>ln<\/mo>/);
  });

  test('unknown commands and broken groups are refused with the formula in the message', () => {
    assert.throws(() => mathml.texToMathML('\\oint{2}'), /math "\\oint\{2\}": unknown command \\oint/);
    assert.throws(() => mathml.texToMathML('x_{i'), /unclosed \{/);
    assert.throws(() => mathml.texToMathML('x}'), /unexpected "\}"/);
    assert.throws(() => mathml.texToMathML('x_'), /missing argument/);
    assert.throws(() => mathml.texToMathML('x_i_j'), /double _/);
  });
});

describe('every formula the page ships typesets', () => {
  test('presets, exercises and the intro', () => {
    const texts = [];
    for (const p of presets.PRESETS) texts.push([`preset ${p.id}`, p.text]);
    for (const e of exercises.EXERCISES)
      for (const [k, t] of [['question', e.question], ['answer', e.answer], ...e.hints.map((h) => ['hint', h])])
        texts.push([`exercise ${e.id} ${k}`, t]);
    // the intro is a string constant in main.ts (a module with a DOM): its source literal, unescaped
    const intro = /const INTRO =\s*([\s\S]*?);\n/.exec(readFileSync(join(root, 'web/src/main.ts'), 'utf8'))[1];
    texts.push([
      'intro',
      intro
        .split(/'\s*\+\s*'/)
        .join('')
        .replace(/^'|'$/g, '')
        .replace(/\\\\/g, '\\')
        .replace(/\\'/g, "'"),
    ]);
    assert.ok(formulas(texts.at(-1)[1]).length >= 5, 'the intro was not read from main.ts');
    let count = 0;
    for (const [where, text] of texts) {
      assert.equal(text.split('$').length % 2, 1, `${where}: unbalanced $`);
      for (const tex of formulas(text)) {
        assert.doesNotThrow(() => mathml.texToMathML(tex), `${where}: $${tex}$`);
        ++count;
      }
    }
    assert.ok(count > 50, `only ${count} formulas found`);
  });
});
