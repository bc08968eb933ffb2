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

describe('SeqBitset.addRange', () => {
  it('adds a range across word boundaries and returns how many were new', () => {
    const set = new SeqBitset();
    expect(set.add(40)).toBe(true);
    expect(set.addRange(30, 40)).toBe(39); // 30..69 without 40
    expect(set.count).toBe(40);
    expect(set.has(29)).toBe(false);
    expect(set.has(30) && set.has(31) && set.has(32) && set.has(63) && set.has(64) && set.has(69)).toBe(true);
    expect(set.has(70)).toBe(false);
    expect(set.addRange(0, 32)).toBe(30); // 30 and 31 were there
    expect(set.addRange(100_000, 0)).toBe(0);
    expect(set.addRange(1_000_000, 1)).toBe(1); // grows
    expect(set.has(1_000_000)).toBe(true);
  });
});

describe('SequenceTracker.observeRun', () => {
  it('counts exactly what one observe per record counts, for random runs with duplicates and reordering', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed % n;
    };
    for (let trial = 0; trial < 20; trial++) {
      const perRecord = new SequenceTracker();
      const perRun = new SequenceTracker();
      for (let r = 0; r < 50; r++) {
        const producer = `p${random(3)}`;
        const partition = random(3);
        const first = random(200);
        const count = 1 + random(40);
        for (let s = first; s < first + count; s++) perRecord.observe(producer, s, partition);
        perRun.observeRun(producer, first, count, partition);
      }
      expect(perRun.verify()).toEqual(perRecord.verify());
    }
  });
});
