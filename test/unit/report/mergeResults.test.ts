import { describe, expect, it } from 'vitest';
import { mergedTimeline, mergeResults, missingLines, type WorkerResult } from '../../../src/report/mergeResults.js';
import type { RunResult } from '../../../src/run/runResult.js';
import { emptySummary, LatencyHistogram } from '../../../src/stats/latencyHistogram.js';
import type { ProducerVerification } from '../../../src/stats/sequenceTracker.js';
import { defined } from '../../../src/defined.js';

/** A deterministic spread of latencies, different per worker, with a tail. */
function samples(seed: number, n: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const u = x / 2 ** 31;
    return Math.round(100 + seed * 50 + (u < 0.99 ? u * 2000 : u * 200_000));
  });
}

function encode(values: number[]): string {
  const h = new LatencyHistogram();
  try {
    for (const v of values) h.record(v);
    return h.encode();
  } finally {
    h.destroy();
  }
}

function worker(id: string, seed: number, acked: number, seconds: number, verification: ProducerVerification[]): WorkerResult & { values: number[] } {
  const values = samples(seed, 5000 + seed * 1000);
  const e2e = samples(seed + 10, 3000);
  const result: RunResult = {
    topic: 'perf',
    topicInfo: { topic: 'perf', created: false, partitions: 6, replicationFactor: 3 },
    startedAt: new Date(Date.UTC(2026, 10, 24, 20, 0, seed)).toISOString(),
    seconds: seconds + 2,
    producer: {
      producerIds: [id],
      sent: acked,
      acked,
      failed: 0,
      bytes: acked * 100,
      seconds,
      messagesPerSecond: acked / seconds,
      mbPerSecond: 0,
      serviceTime: emptySummary(),
      lateSendsNotWaitingOnBroker: 0,
      lateSendsWaitingOnCluster: 0,
      lateSendsHostBusy: 0,
      longestStallMs: 10 * seed,
      delivery: { requests: 10, retries: seed, producerIdResets: 0, throttledMs: 0 },
      idempotent: true,
      errors: [],
    },
    consumer: {
      groupId: 'admin-1',
      received: acked,
      ktcMessages: acked,
      otherJson: 0,
      foreign: 0,
      nullValues: 0,
      bytes: acked * 100,
      seconds,
      messagesPerSecond: 0,
      mbPerSecond: 0,
      endToEnd: emptySummary(),
      stopReason: 'idle',
    },
    verification: { producers: verification, duplicates: 0, outOfOrder: 0, gaps: 0, lost: 0 },
    interrupted: false,
    client: { cpuSeconds: 1, cpuCores: 0.5, peakRssMb: 100 + seed, peakHeapMb: 50, eventLoopDelayP99Ms: seed, eventLoopDelayMaxMs: 2 * seed },
    histograms: { producerServiceTime: encode(values), endToEnd: encode(e2e) },
    warnings: seed === 2 ? ['late'] : [],
    exitCode: 3,
  };
  return { workerId: id, result, values: [...values] };
}

const seen = (producerId: string, unique: number, acknowledged?: number): ProducerVerification => ({
  producerId,
  received: unique,
  unique,
  duplicates: 0,
  outOfOrder: 0,
  gaps: 0,
  ...(acknowledged !== undefined ? { acknowledged, lost: acknowledged - unique } : {}),
});

describe('merging workers of a distributed run', () => {
  // Each consumer (one shared group) read part of every producer: only together do they account for all.
  const a = worker('w-a', 1, 1000, 10, [seen('w-a', 400, 1000), seen('w-b', 500), seen('w-c', 300)]);
  const b = worker('w-b', 2, 1000, 12, [seen('w-a', 600), seen('w-b', 500, 1000), seen('w-c', 300)]);
  const c = worker('w-c', 3, 1000, 11, [seen('w-a', 0), seen('w-c', 390, 1000)]);

  it('adds the HDR histograms: merged percentiles are those of one histogram of every sample', () => {
    const merged = mergeResults([a, b, c], ['w-a', 'w-b', 'w-c'], 3);
    const all = new LatencyHistogram();
    for (const v of [...a.values, ...b.values, ...c.values]) all.record(v);
    const expected = all.summary();
    all.destroy();
    const got = defined(merged.result.producer).serviceTime;
    expect(got.percentiles).toEqual(expected.percentiles);
    expect(got.min).toBe(expected.min);
    // An encoded histogram keeps values to 3 significant digits: the maximum comes back as its bucket's top.
    expect(Math.abs(got.max - expected.max) / expected.max).toBeLessThan(0.001);
    expect(defined(merged.result.producer).serviceTime.count).toBe(6000 + 7000 + 8000);
    expect(defined(merged.result.consumer).endToEnd.count).toBe(9000);
  });

  it('sums counts over the longest window and verifies each producer against every consumer', () => {
    const merged = mergeResults([a, b, c], ['w-a', 'w-b', 'w-c'], 3);
    const r = merged.result;
    expect(defined(r.producer).acked).toBe(3000);
    expect(defined(r.producer).seconds).toBe(12);
    expect(defined(r.producer).messagesPerSecond).toBe(250);
    expect(defined(r.producer).delivery.retries).toBe(6);
    expect(defined(r.consumer).received).toBe(3000);
    expect(defined(r.verification).producers.map((p) => [p.producerId, p.acknowledged, p.unique, p.lost])).toEqual([
      ['w-a', 1000, 1000, 0],
      ['w-b', 1000, 1000, 0],
      ['w-c', 1000, 990, 10],
    ]);
    expect(defined(r.verification).lost).toBe(10);
    expect(r.exitCode).toBe(3);
    expect(r.startedAt).toBe('2026-11-24T20:00:01.000Z');
    expect(r.warnings).toEqual(['w-b: late']);
    expect(r.client.peakRssMb).toBe(103);
  });

  it('names a worker that announced itself but sent no result, and counts workers never seen', () => {
    const merged = mergeResults([a, b], ['w-a', 'w-b', 'w-c'], 4);
    expect(merged.missing).toEqual(['w-c']);
    expect(merged.neverSeen).toBe(1);
    expect(merged.result.exitCode).toBe(1);
    expect(missingLines(merged)).toEqual([
      'worker w-c announced itself but published no result (killed, failed, or still running): its figures are not included',
      '1 expected worker never announced itself on the results topic',
    ]);
  });
});

describe('the merged timeline', () => {
  it("sums every worker's latest counters at each interval from the start", () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 24, 20, 0, 0) + s * 1000).toISOString();
    const timeline = mergedTimeline(
      [
        { workerId: 'a', at: at(5.1), produced: 100, consumed: 50 },
        { workerId: 'b', at: at(5.4), produced: 200 },
        { workerId: 'a', at: at(10.2), produced: 300, consumed: 250 },
        // b's second message is late: its first still counts in the second interval.
        { workerId: 'b', at: at(15.3), produced: 600 },
      ],
      at(0),
      5000,
    );
    expect(timeline).toEqual([
      { seconds: 5, produced: 300, consumed: 50 },
      { seconds: 10, produced: 500, consumed: 250 },
      { seconds: 15, produced: 900, consumed: 250 },
    ]);
  });
});
