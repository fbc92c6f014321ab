// The tour's text as the page is built (web/vite.config.ts runs this on tour.html): each $…$ typeset as MathML by
// the page's own converter (mathml.ts), each {<preset id>/<claim id>} replaced by that claim's measured number
// (claims.ts, from web/src/reproductions.json: "n/a" until `npm run reproduce` measured it), and the exercise
// list filled in from exercises.ts. Pure: text in, text out, and the problems found.
import { formatMeasured, measuredClaim } from '../claims.js';
import { EXERCISES } from '../exercises.js';
import { mathMarkup, texToMathML } from '../mathml.js';
import { presetById } from '../presets.js';

/** A claim placeholder of the tour's text. */
const PLACEHOLDER = /\{([a-z][a-z0-9-]*)\/([a-z0-9][a-z0-9_-]*)\}/g;

/** The text of a placeholder's claim, and what is wrong with it (a missing preset is an error; a claim not yet written or measured, a warning). */
export function quoteClaimKey(presetId: string, claimId: string): { text: string; error?: string; warning?: string } {
  const preset = presetById(presetId);
  if (!preset) return { text: 'n/a', error: `{${presetId}/${claimId}}: no preset ${presetId}` };
  const claim = preset.claims?.find((c) => c.id === claimId);
  if (!claim) return { text: 'n/a', warning: `{${presetId}/${claimId}}: preset ${presetId} has no claim ${claimId} (yet)` };
  const measured = measuredClaim(presetId, claim);
  const text = formatMeasured(claim, measured);
  return measured ? { text } : { text, warning: `{${presetId}/${claimId}}: not measured yet (npm run reproduce)` };
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The tour's HTML as built: placeholders quoted, math typeset, exercises listed; throws on an unknown preset or bad math. */
export function buildTour(html: string): { html: string; warnings: string[]; keys: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  const keys: string[] = [];
  const start = html.indexOf('<body');
  const head = html.slice(0, start);
  let body = html.slice(start);
  // placeholders outside math only ($…$ is TeX, where braces are groups: $H^{-1/2}$)
  body = body
    .split('$')
    .map((part, k) =>
      k % 2 === 1
        ? part
        : part.replace(PLACEHOLDER, (_, presetId: string, claimId: string) => {
            keys.push(`${presetId}/${claimId}`);
            const { text, error, warning } = quoteClaimKey(presetId, claimId);
            if (error) errors.push(error);
            if (warning) warnings.push(warning);
            return escapeHtml(text);
          }),
    )
    .join('$');
  body = body.replace('<!--exercises-->', () =>
    EXERCISES.map((e) => `<li><a href="./index.html?exercise=${e.id}">${escapeHtml(e.title)}</a></li>`).join('\n'),
  );
  body = body.replace(/\$([^$]+)\$/g, (_, tex: string) => {
    try {
      // the HTML source escapes & < > in the TeX; the converter reads the TeX itself
      return mathMarkup(texToMathML(tex.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')));
    } catch (e) {
      errors.push(`$${tex}$: ${(e as Error).message}`);
      return tex;
    }
  });
  if (errors.length) throw new Error(`tour.html: ${errors.join('; ')}`);
  return { html: head + body, warnings, keys };
}
