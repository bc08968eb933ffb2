import { describe, expect, it } from 'vitest';
import { kafkaConsumerLines, kafkaProducerFinalLine } from '../../../src/report/kafkaFormat.js';
import { ProgressWindow } from '../../../src/report/progressLines.js';
import { renderSummary, summaryLines } from '../../../src/report/summary.js';
import type { RunResult } from '../../../src/run/runResult.js';
import type { LatencySummary } from '../../../src/stats/latencyHistogram.js';
import { defined } from '../../../src/defined.js';

const latency = (p50: number, p99: number, max: number): LatencySummary => ({
  count: 1000,
  min: 100,
  mean: (p50 + p99) / 2,
  max,
  percentiles: { p50, p75: p50, p90: p99, p95: p99, p99, 'p99.9': max, 'p99.99': max },
});

/** Node reads TZ again whenever it is assigned: Java's dates are in the local zone, the test's in a fixed one. */
function withTimeZone(zone: string, check: () => void): void {
  const saved = process.env.TZ;
  process.env.TZ = zone;
  try {
    check();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

function result(overrides: Partial<RunResult> = {}): RunResult {
  return {
    topic: 'bench',
    topicInfo: { topic: 'bench', created: true, partitions: 6, replicationFactor: 3 },
    startedAt: '2026-11-24T20:00:00.000Z',
    seconds: 10,
    producer: {
      producerIds: ['6b74630100000001'],
      sent: 1_000_000,
      acked: 1_000_000,
      failed: 0,
      bytes: 100_000_000,
      seconds: 8,
      messagesPerSecond: 125_000,
      mbPerSecond: 11.920929,
      serviceTime: latency(12_345, 45_678, 123_456),
      lateSendsNotWaitingOnBroker: 0,
      lateSendsWaitingOnCluster: 0,
      lateSendsHostBusy: 0,
      longestStallMs: 40,
      delivery: { requests: 1000, retries: 0, producerIdResets: 0, throttledMs: 0 },
      idempotent: true,
      errors: [],
    },
    consumer: {
      groupId: 'relation-3-1',
      received: 1_000_000,
      ktcMessages: 1_000_000,
      otherJson: 0,
      foreign: 0,
      nullValues: 0,
      bytes: 100_000_000,
      seconds: 8.5,
      messagesPerSecond: 117_647,
      mbPerSecond: 11.2,
      endToEnd: latency(20_000, 60_000, 150_000),
      stopReason: 'done',
      span: { startedAt: '2026-11-24T20:00:01.250Z', endedAt: '2026-11-24T20:00:09.750Z', rebalanceMs: 500 },
    },
    verification: {
      producers: [
        {
          producerId: '6b74630100000001',
          received: 1_000_000,
          unique: 1_000_000,
          duplicates: 0,
          outOfOrder: 0,
          gaps: 0,
          acknowledged: 1_000_000,
          lost: 0,
          firstLost: [],
        },
      ],
      duplicates: 0,
      outOfOrder: 0,
      gaps: 0,
      lost: 0,
    },
    interrupted: false,
    client: { cpuSeconds: 9.5, cpuCores: 0.95, peakRssMb: 180, peakHeapMb: 40, eventLoopDelayP99Ms: 12, eventLoopDelayMaxMs: 30 },
    histograms: {},
    warnings: [],
    exitCode: 0,
    ...overrides,
  };
}

describe("Kafka's perf-test formats", () => {
  it("prints ProducerPerformance's final line with Java's number formats (ms truncated for percentiles)", () => {
    expect(kafkaProducerFinalLine(result())).toBe(
      '1000000 records sent, 125000.000000 records/sec (11.92 MB/sec), 29.01 ms avg latency, 123.46 ms max latency, 12 ms 50th, 45 ms 95th, 45 ms 99th, 123 ms 99.9th.',
    );
  });

  // Expected lines are what Kafka 4.1.2's ConsumerPerformance prints for the same clock and counts (its printf and
  // SimpleDateFormat run on these inputs, in UTC); the dates are the local time, as Java's.
  it("prints ConsumerPerformance's header and CSV line: rebalance time is the group join, fetch time the rest", () => {
    withTimeZone('UTC', () => {
      expect(kafkaConsumerLines(result())).toEqual([
        'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
        '2026-11-24 20:00:01:250, 2026-11-24 20:00:09:750, 95.3674, 11.2197, 1000000, 117647.0588, 500, 8000, 11.9209, 125000.0000',
      ]);
    });
  });

  it("prints Java's NaN for a consumer stopped the moment it joined (no time to divide by)", () => {
    const r = result();
    const consumer = {
      ...defined(r.consumer),
      received: 0,
      bytes: 0,
      span: { startedAt: '2026-11-24T20:00:01.250Z', endedAt: '2026-11-24T20:00:01.250Z', rebalanceMs: 0 },
    };
    withTimeZone('UTC', () => {
      expect(kafkaConsumerLines({ ...r, consumer })[1]).toBe('2026-11-24 20:00:01:250, 2026-11-24 20:00:01:250, 0.0000, NaN, 0, NaN, 0, 0, NaN, NaN');
    });
  });

  it("prints the Java tool's window line from the snapshot's window, changing nothing of it", () => {
    const w = new ProgressWindow();
    // Frozen as the run hands it over: a reporter that wrote to it would throw.
    const producer = Object.freeze({
      sent: 50_000,
      acked: 50_000,
      failed: 0,
      inFlight: 2,
      window: Object.freeze({ acked: 50_000, bytes: 5_000_000, latencySumMicros: 50_000 * 8_000, latencyMaxMicros: 31_250 }),
    });
    expect(w.kafkaLine({ elapsedSeconds: 5, producer })).toBe(
      '50000 records sent, 10000.0 records/sec (0.95 MB/sec), 8.0 ms avg latency, 31.3 ms max latency.',
    );
    expect(producer.window.acked).toBe(50_000);
  });

  it("prints ktc's own line from the same snapshot, window figures and totals", () => {
    const w = new ProgressWindow();
    const producer = Object.freeze({
      sent: 60_000,
      acked: 50_000,
      failed: 3,
      inFlight: 2,
      window: Object.freeze({ acked: 50_000, bytes: 5_000_000, latencySumMicros: 50_000 * 8_000, latencyMaxMicros: 31_250 }),
    });
    expect(w.ktcLine({ elapsedSeconds: 5, producer })).toBe(
      '[5 s]  produced 50,000 (+50,000, 10,000 msgs/s, 0.95 MB/s, ack 8.0 ms avg / 31.3 ms max), 3 failed',
    );
  });
});

describe('progress lines', () => {
  it('say the consumer is still joining its group instead of printing zeros', () => {
    const w = new ProgressWindow();
    expect(w.ktcLine({ elapsedSeconds: 5, consumer: { received: 0, bytes: 0, joined: false } })).toBe('[5 s]  consumer joining its group...');
    expect(w.ktcLine({ elapsedSeconds: 10, consumer: { received: 500, bytes: 50_000, joined: true } })).toBe(
      '[10 s]  consumed 500 (+500, 100 msgs/s, 0.01 MB/s)',
    );
  });
});

describe('summary', () => {
  it('states throughput, verification and what ktc itself cost', () => {
    const lines = summaryLines(result());
    expect(lines[0]).toBe(
      'Produced 1,000,000 of 1,000,000 messages to bench (6 partitions, replication factor 3, created) in 8.00 s: 125,000 msgs/s, 11.92 MB/s.',
    );
    expect(lines).toContain('Verification: 1,000,000 acknowledged, 1,000,000 of them consumed: 0 lost, 0 duplicates, 0 out of order.');
    expect(lines.at(-1)).toMatch(/^ktc itself: 9\.50 CPU s \(95% of a core\), peak RSS 180 MB/);
  });

  it('names lost messages and unacknowledged sends', () => {
    const base = result();
    const r = result({
      producer: { ...defined(base.producer), acked: 999_990, failed: 10, errors: [{ message: 'cannot reach Kafka', count: 1 }] },
      verification: {
        ...defined(base.verification),
        lost: 3,
        producers: [{ ...defined(defined(base.verification).producers[0]), lost: 3, firstLost: [7, 8, 9] }],
      },
    });
    const text = summaryLines(r).join('\n');
    expect(text).toContain('10 NOT acknowledged');
    expect(text).toContain('send error (1x): cannot reach Kafka');
    expect(text).toContain('3 lost');
    expect(text).toContain('First lost sequence numbers: 7, 8, 9');
  });

  it('names null values only when there were any, and what the consumer skipped', () => {
    const base = result();
    const kinds = (r: RunResult) => summaryLines(r).find((l) => l.startsWith('Consumed '));
    expect(kinds(base)).toBe('Consumed 1,000,000 messages from bench as group relation-3-1 (1,000,000 from ktc, 0 other JSON, 0 not JSON (foreign)).');
    const r = result({
      consumer: {
        ...defined(base.consumer),
        received: 7,
        ktcMessages: 0,
        otherJson: 2,
        foreign: 3,
        nullValues: 2,
        abortedRecordsSkipped: 4,
        controlRecordsSkipped: 3,
      },
    });
    const lines = summaryLines(r);
    expect(kinds(r)).toBe('Consumed 7 messages from bench as group relation-3-1 (0 from ktc, 2 other JSON, 3 not JSON (foreign), 2 null values).');
    expect(lines).toContain('  Not messages: 4 records of aborted transactions skipped (read_committed); 3 transaction markers.');
  });

  it('renders the latency table in milliseconds with every percentile', () => {
    const table = renderSummary(result(), true);
    expect(table).toMatch(/p50 .* p75 .* p90 .* p95 .* p99 .* p99\.9 .* p99\.99 .* max .* mean/);
    expect(table).toContain('12.345');
    expect(table).toContain('end-to-end: send → consumed');
  });
});
