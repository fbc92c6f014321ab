// Claims: what a preset's or an exercise's text says a run shows, as data the code checks (docs/design.md §10).
// `npm run reproduce` (scripts/reproduce.mjs) runs every claim natively over its seeds and writes the measured
// numbers to web/src/reproductions.json, docs/reproductions.md and web/public/reproductions.html; the texts
// quote those numbers through {id} placeholders, and the page shows a "checked:" line under each text.
import type { State } from './state.js';
import measured from './reproductions.json' with { type: 'json' };

/** How a claim's seeds and steps reduce to the one number it is about. */
export type ClaimStat =
  /** the mean (± std) over the seeds of the metric at `step` */
  | 'mean'
  /** the first recorded step ≤ `step` at which the seeds' mean meets `op value` (no value if it never does; the
   *  grid holds every step up to 999, log-spaced beyond) */
  | 'first'
  /** the least-squares slope of log10 |mean| against log10 step, over the recorded steps in [from, step] */
  | 'slope';

/** One checked statement. */
export interface Claim {
  /** Unique within its preset or exercise; the text quotes the measured number as {id}. */
  id: string;
  /** The statement the check decides, in plain words ($…$ is math). */
  says: string;
  /** An engine metric: a column of `attnsvm run` (e.g. corr_nuc, log10_1m_s_sel, loss). */
  metric: string;
  /** Default 'mean'. */
  stat?: ClaimStat;
  /** The claim holds when the measured number meets `op value` ('first': when the mean meets it by `step`). */
  op: '>=' | '<=';
  value: number;
  /** The last step of the check: the step the mean is taken at, or the horizon of 'first' and 'slope'. */
  step: number;
  /** Seeds: data seed + k and init seed + k for k = 0 … seeds − 1 (attnsvm run --seeds). */
  seeds: number;
  /** 'slope': the first step of the fit. */
  from?: number;
  /** Changes to the preset's (or exercise's) state for this check, e.g. another optimiser. */
  state?: Partial<State>;
  /**
   * The claim is about a difference: this number minus the same statistic of another metric and/or another
   * state (changes to the preset's state), e.g. "the nuclear correlation beats the Frobenius one".
   */
  versus?: { metric?: string; state?: Partial<State> };
  /**
   * Runs the check for every combination of these state fields (e.g. { d: [1, 2], n: [5, 10] }); the claim holds
   * when it holds in every combination, and its number is the worst combination's.
   */
  sweep?: Readonly<Record<string, readonly number[]>>;
  /** Set when the paper's statement does not reproduce here: why, in one sentence. The table says so. */
  fails?: string;
  /** Part of the quick subset `npm test` re-runs (cheap claims only: a few seconds natively). */
  quick?: boolean;
}

/** What `npm run reproduce` measured for one claim (web/src/reproductions.json). */
export interface Measured {
  /** "<preset id>/<claim id>" or "exercise:<exercise id>/<claim id>". */
  key: string;
  /** The measured number; null when it does not exist ('first' never met, or every seed failed). */
  value: number | null;
  /** Std over the seeds ('mean' only). */
  std?: number;
  /** Seeds that finished without diverging. */
  count: number;
  seeds: number;
  holds: boolean;
}

const byKey = new Map<string, Measured>((measured as { claims: Measured[] }).claims.map((m) => [m.key, m]));

/** The measured result of a claim of `owner` (a preset id, or "exercise:" + an exercise id). */
export function measuredClaim(owner: string, claim: Claim): Measured | undefined {
  return byKey.get(`${owner}/${claim.id}`);
}

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/** A measured number as the texts quote it: 3 significant digits, "± std" for means, a plain step for 'first'. */
export function formatMeasured(claim: Claim, m: Measured | undefined): string {
  if (m === undefined || m.value === null) return claim.stat === 'first' ? 'never' : 'n/a';
  if (claim.stat === 'first') return String(m.value);
  const digits = (x: number): string => {
    const a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) {
      const [mantissa, exponent] = x.toExponential(1).split('e');
      return `${mantissa}·10${[...String(Number(exponent))].map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
    }
    return Number(x.toPrecision(3)).toString();
  };
  const value = digits(m.value).replace('-', '−');
  return m.std !== undefined && claim.seeds > 1 ? `${value} ± ${digits(m.std)}` : value;
}

/** The {id} placeholders of a text: outside its $…$ math only, where braces are TeX's. */
export function placeholders(text: string): string[] {
  return text
    .split('$')
    .filter((_, k) => k % 2 === 0)
    .flatMap((plain) => [...plain.matchAll(/\{([a-z0-9_-]+)\}/g)].map((m) => m[1]));
}

/** `text` with each {id} outside math replaced by the measured number of the claim of that id. */
export function quoteClaims(owner: string, text: string, claims: readonly Claim[] | undefined): string {
  if (!claims) return text;
  return text
    .split('$')
    .map((part, k) =>
      k % 2 === 1
        ? part
        : part.replace(/\{([a-z0-9_-]+)\}/g, (whole, id: string) => {
            const claim = claims.find((c) => c.id === id);
            return claim ? formatMeasured(claim, measuredClaim(owner, claim)) : whole;
          }),
    )
    .join('$');
}

/** One line of a text's "checked:" note: what was measured, whether it holds, and its row in the table. */
export interface CheckedNote {
  /** The claim's statement ($…$ is math). */
  says: string;
  text: string;
  holds: boolean;
  /** The claim's row in reproductions.html. */
  href: string;
}

/** The "checked:" notes of an owner's claims (those measured; a claim not yet measured says so). */
export function checkedNotes(owner: string, claims: readonly Claim[] | undefined): CheckedNote[] {
  return (claims ?? []).map((claim) => {
    const m = measuredClaim(owner, claim);
    const href = `reproductions.html#${`${owner}/${claim.id}`.replace(/[:/]/g, '-')}`;
    if (!m) return { says: claim.says, text: `${claim.metric}: not measured yet (npm run reproduce)`, holds: false, href };
    const seeds = m.seeds === 1 ? '1 seed' : m.count < m.seeds ? `${m.count} of ${m.seeds} seeds` : `${m.seeds} seeds`;
    const metric = claim.versus ? `${claim.metric} − ${claim.versus.metric ?? claim.metric}` : claim.metric;
    const number = formatMeasured(claim, m);
    const what =
      claim.stat === 'first'
        ? `${claim.metric} ${claim.op === '>=' ? '≥' : '≤'} ${claim.value} at step ${number}`
        : claim.stat === 'slope'
          ? `log–log slope of ${claim.metric} ${number}`
          : `${metric} ${number} at step ${claim.step}`;
    return {
      says: claim.says,
      text: `${seeds}, ${what}${m.holds ? '' : ` — does not hold${claim.fails ? `: ${claim.fails}` : ''}`}`,
      holds: m.holds,
      href,
    };
  });
}
