import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../src/stats/latencyHistogram.js';
import { SeqBitset } from '../../../src/stats/seqBitset.js';
import { SequenceTracker } from '../../../src/stats/sequenceTracker.js';
import { defined } from '../../../src/defined.js';

describe('SequenceTracker', () => {
  it('finds acknowledged-but-missing, duplicated and out-of-order messages', () => {
    const acked = new SeqBitset();
    acked.addRange(0, 10);
    const t = new SequenceTracker();
    for (const seq of [0, 1, 2, 4, 3, 5, 5, 6, 7]) t.observe('p1', seq, 0);
    const v = t.verify(new Map([['p1', acked]]));
    expect(v.lost).toBe(2); // 8 and 9
    expect(defined(v.producers[0]).firstLost).toEqual([8, 9]);
    expect(v.duplicates).toBe(1);
    expect(v.outOfOrder).toBe(1); // 3 after 4 on the same partition
  });

  it('does not call interleaving across partitions out of order', () => {
    const t = new SequenceTracker();
    t.observe('p', 1, 1);
    t.observe('p', 0, 0);
    t.observe('p', 3, 1);
    t.observe('p', 2, 0);
    expect(t.verify().outOfOrder).toBe(0);
  });

  it('reports gaps for producers it has no acknowledgements for', () => {
    const t = new SequenceTracker();
    for (const seq of [0, 1, 5]) t.observe('other', seq, 0);
    const v = t.verify();
    expect(v.gaps).toBe(3);
    expect(v.lost).toBe(0);
  });

  it('knows when everything acknowledged has arrived', () => {
    const acked = new SeqBitset();
    acked.addRange(0, 3);
    const t = new SequenceTracker();
    t.observe('p', 0, 0);
    t.observe('p', 2, 0);
    expect(t.hasSeenAll(new Map([['p', acked]]))).toBe(false);
    t.observe('p', 1, 0);
    expect(t.hasSeenAll(new Map([['p', acked]]))).toBe(true);
  });
});

describe('SeqBitset', () => {
  it('grows past its first block and counts members', () => {
    const s = new SeqBitset();
    expect(s.add(1_000_000)).toBe(true);
    expect(s.add(1_000_000)).toBe(false);
    expect(s.has(1_000_000)).toBe(true);
    expect(s.has(999_999)).toBe(false);
    expect(s.count).toBe(1);
  });
});

describe('LatencyHistogram', () => {
  it('keeps microsecond resolution below a millisecond', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 100; i++) h.record(250);
    expect(h.percentile(50)).toBe(250);
    h.destroy();
  });

  it('merges histograms from several workers through their encoding', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) a.record(i);
    b.recordMany(1_000_000, 10);
    const merged = new LatencyHistogram();
    merged.addEncoded(a.encode());
    merged.addEncoded(b.encode());
    const s = merged.summary();
    expect(s.count).toBe(1010);
    expect(s.max).toBeGreaterThanOrEqual(999_000);
    expect(s.percentiles.p50).toBeGreaterThan(490);
    expect(s.percentiles.p50).toBeLessThan(520);
    expect(s.percentiles['p99.9']).toBeGreaterThanOrEqual(999_000);
  });
});
