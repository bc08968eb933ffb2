import { describe, expect, it } from 'vitest';
import { formatSpread, median, quantile, roundRatios, spread } from '../../../bench/suite/stats.js';

describe('bench statistics', () => {
  it('median of odd and even counts, unsorted input', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('quartiles interpolate between ranks (type 7)', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
  });

  it('spread gives median, min, max, quartiles and the count', () => {
    expect(spread([10, 30, 20, 50, 40])).toEqual({ median: 30, min: 10, max: 50, q1: 20, q3: 40, n: 5 });
  });

  it('refuses an empty sample', () => {
    expect(() => median([])).toThrow(/no samples/);
  });

  it('pairs ratios round by round and skips rounds one side lacks', () => {
    const ktc = new Map([
      [1, 200],
      [2, 300],
      [3, 100],
    ]);
    const peer = new Map([
      [1, 100],
      [3, 50],
      [4, 70],
    ]);
    expect(roundRatios(ktc, peer)).toEqual([2, 2]);
  });

  it('per-round ratios show the spread that the ratio of medians hides', () => {
    const a = new Map([
      [1, 100],
      [2, 300],
      [3, 200],
    ]);
    const b = new Map([
      [1, 200],
      [2, 100],
      [3, 100],
    ]);
    expect(median(roundRatios(a, b))).toBe(2);
    expect(median([...a.values()]) / median([...b.values()])).toBe(2);
    expect(spread(roundRatios(a, b))).toMatchObject({ min: 0.5, max: 3 });
  });

  it('formats a spread as "median (min–max)"', () => {
    expect(formatSpread(spread([1.1, 1.3, 1.2]))).toBe('1.20 (1.10–1.30)');
  });
});
