import { defined } from '../../src/defined.js';
/** Order statistics and per-round ratios: what the report shows so a reader sees the noise. */

function sorted(xs: readonly number[]): number[] {
  if (xs.length === 0) throw new Error('no samples');
  return [...xs].sort((a, b) => a - b);
}

/** Linear interpolation between closest ranks (type 7, what numpy and R use by default). */
export function quantile(xs: readonly number[], q: number): number {
  const s = sorted(xs);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return defined(s[lo]) + (defined(s[hi]) - defined(s[lo])) * (at - lo);
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** First and third quartiles. */
  q1: number;
  q3: number;
  n: number;
}

export function spread(xs: readonly number[]): Spread {
  const s = sorted(xs);
  return { median: quantile(s, 0.5), min: defined(s[0]), max: defined(s[s.length - 1]), q1: quantile(s, 0.25), q3: quantile(s, 0.75), n: s.length };
}

/**
 * Round-by-round ratios a / b: each round pairs the two tools' runs that
 * shared the broker's state and the machine's load at that moment, so the
 * ratios' spread is the honest noise of the comparison. Rounds missing on
 * either side are skipped.
 */
export function roundRatios(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): number[] {
  const out: number[] = [];
  for (const [round, x] of a) {
    const y = b.get(round);
    if (y !== undefined && y > 0) out.push(x / y);
  }
  return out;
}

/** "1.23 (1.10–1.31)": median and min–max, the form every ratio takes in the report. */
export function formatSpread(s: Spread, digits = 2): string {
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}
