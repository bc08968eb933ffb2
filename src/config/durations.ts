import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30s", "2m", "500ms", "1.5h" or a bare number of seconds, to milliseconds. */
export function parseDuration(flag: string, text: string | number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(String(text));
  if (!m) throw new UsageError(`--${flag} ${text} is not a duration: write e.g. 30s, 2m, 500ms or a number of seconds`);
  const ms = Number(m[1]) * UNITS[m[2] ?? 's']!;
  if (!(ms > 0)) throw new UsageError(`--${flag} must be longer than zero`);
  return Math.round(ms);
}
