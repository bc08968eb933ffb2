import { describe, expect, it } from 'vitest';
import {
  consumerSummaryRate,
  javaConsumerWindows,
  jsonWindows,
  ktcConsumerWindows,
  parseGnuTime,
  activeRate,
  producerSummary,
  producerWindows,
  steadyRate,
} from '../../../bench/suite/toolOutput.js';
import { defined } from '../../../src/defined.js';

// Verbatim output of Kafka 4.1.2's ProducerPerformance (acks=all, 1 KiB records, 60,000 of them).
const JAVA_PRODUCER = `10620 records sent, 2093.0 records/sec (2.04 MB/sec), 2302.7 ms avg latency, 5969.0 ms max latency.
20070 records sent, 3964.8 records/sec (3.87 MB/sec), 5058.0 ms avg latency, 6284.0 ms max latency.
23490 records sent, 4687.7 records/sec (4.58 MB/sec), 6963.5 ms avg latency, 7373.0 ms max latency.
60000 records sent, 2652.8 records/sec (2.59 MB/sec), 5489.69 ms avg latency, 7373.00 ms max latency, 6159 ms 50th, 7159 ms 95th, 7253 ms 99th, 7315 ms 99.9th.
`;

// Verbatim ConsumerPerformance --show-detailed-stats --reporting-interval 1000 (the first row carries the group join).
const JAVA_CONSUMER = `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-11-27 06:56:16:364, 0, 0.0010, 0.0001, 1, 0.1489, 6051, 663, 0.0015, 1.5083
2026-11-27 06:56:17:365, 0, 14.5120, 14.4965, 14869, 14853.1469, 0, 1001, 14.4965, 14853.1469
2026-11-27 06:56:18:532, 0, 40.5325, 22.2969, 41514, 22832.0480, 0, 1167, 22.2969, 22832.0480
`;

// ktc --consumer --format kafka --progress-interval 1s, then its ConsumerPerformance-style summary.
const KTC_CONSUMER = `consumer joining its group...
consumed 12,124 (+12,124, 8,203 msgs/s, 8.00 MB/s)
consumed 40,124 (+28,000, 28,000 msgs/s, 27.34 MB/s)
start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-11-27 06:57:03:609, 2026-11-27 06:57:07:013, 58.5852, 17.2107, 60000, 17626.3220, 2162, 1242, 47.1832, 48322.6406
`;

describe("the Java tools' output", () => {
  it('reads ProducerPerformance windows as records over records/sec', () => {
    const w = producerWindows(JAVA_PRODUCER, 5);
    expect(w.map((x) => x.records)).toEqual([10620, 20070, 23490]);
    expect(defined(w[0]).seconds).toBeCloseTo(10620 / 2093.0, 9);
    expect(defined(w[2]).seconds).toBeCloseTo(23490 / 4687.7, 9);
  });

  it("reads ProducerPerformance's final line, percentiles included", () => {
    expect(producerSummary(JAVA_PRODUCER)).toEqual({
      records: 60000,
      recordsPerSec: 2652.8,
      mbPerSec: 2.59,
      avgMs: 5489.69,
      maxMs: 7373,
      p50Ms: 6159,
      p95Ms: 7159,
      p99Ms: 7253,
      p999Ms: 7315,
    });
  });

  it("fails with the output's tail when there is no final line", () => {
    expect(() => producerSummary('Exception in thread "main"\nboom')).toThrow(/no final .* boom/);
  });

  it('takes ConsumerPerformance windows from cumulative counts and fetch.time.ms (the join left out)', () => {
    expect(javaConsumerWindows(JAVA_CONSUMER, 1)).toEqual([
      { records: 1, seconds: 0.663 },
      { records: 14868, seconds: 1.001 },
      { records: 26645, seconds: 1.167 },
    ]);
  });

  it("reads the summary row's fetch.nMsg.sec", () => {
    expect(consumerSummaryRate(KTC_CONSUMER)).toBe(48322.6406);
  });

  it("reads ktc's consumer progress lines, thousands separators and all", () => {
    const w = ktcConsumerWindows(KTC_CONSUMER, 1);
    expect(w.map((x) => x.records)).toEqual([12124, 28000]);
    expect(defined(w[0]).seconds).toBeCloseTo(12124 / 8203, 9);
    expect(defined(w[1]).seconds).toBe(1);
  });

  it("reads the @platformatic/kafka runner's JSON windows and ignores its other lines", () => {
    const out = '{"window":{"records":0,"seconds":1.01}}\nnoise\n{"window":{"records":5000,"seconds":0.99}}\n{"result":{"records":5000,"seconds":2}}\n';
    expect(jsonWindows(out)).toEqual([
      { records: 0, seconds: 1.01 },
      { records: 5000, seconds: 0.99 },
    ]);
  });

  it('parses GNU time\'s "%U %S %M %e" line: CPU = user + system, RSS in MB', () => {
    expect(parseGnuTime('Command exited with non-zero status 1\n1.25 0.50 204800 12.34\n')).toEqual({ cpuSeconds: 1.75, peakRssMb: 200, wallSeconds: 12.34 });
    expect(() => parseGnuTime('garbage')).toThrow(/unexpected GNU time output/);
  });
});

describe('activeRate', () => {
  it('is the rate over the windows from the first with records, for sizing a run again after a short one', () => {
    // Start-up (empty windows) left out; an early burst (1800/s) averaged with the rest rather than taken alone.
    expect(
      activeRate([
        { records: 0, seconds: 1 },
        { records: 0, seconds: 1 },
        { records: 900, seconds: 0.5 },
        { records: 1000, seconds: 1 },
        { records: 1100, seconds: 1 },
      ]),
    ).toBe(1200);
    expect(activeRate([{ records: 0, seconds: 1 }])).toBe(0);
    expect(activeRate([])).toBe(0);
  });
});

describe('steadyRate', () => {
  it('drops leading empty windows, then the warm-up, and sums the rest', () => {
    const windows = [
      { records: 0, seconds: 1 },
      { records: 100, seconds: 1 },
      { records: 200, seconds: 1 },
      { records: 300, seconds: 1 },
      { records: 400, seconds: 2 },
    ];
    const r = steadyRate(windows, 2);
    expect(r).toEqual({ rate: 700 / 3, records: 700, seconds: 3, windows: 2, warmupWindows: 3 });
  });

  it("leaves out a whole window that straddles the end of the warm-up (Java's 5 s windows with a 5 s warm-up keep the second on)", () => {
    const r = steadyRate(
      [
        { records: 10, seconds: 5.2 },
        { records: 50, seconds: 5 },
      ],
      5,
    );
    expect(r.records).toBe(50);
    expect(r.rate).toBe(10);
  });

  it('counts the measured seconds after the warm-up and leaves later windows out, so a longer run is measured over the same span', () => {
    const fast = { records: 500, seconds: 1 };
    const throttled = { records: 100, seconds: 1 };
    const run = [fast, fast, fast, fast, fast, throttled, throttled, throttled];
    const r = steadyRate(run, 2, 4);
    expect(r).toEqual({ rate: 1600 / 4, records: 1600, seconds: 4, windows: 4, warmupWindows: 2 });
    // The same run stopped earlier measures the same: the extra throttled seconds do not count.
    expect(steadyRate(run.slice(0, 6), 2, 4).rate).toBe(r.rate);
  });

  it("keeps the window that crosses the measured seconds' end (Java's 5 s windows measure 10 s as two)", () => {
    const r = steadyRate(
      [
        { records: 10, seconds: 5 },
        { records: 50, seconds: 5 },
        { records: 60, seconds: 5.1 },
        { records: 5, seconds: 5 },
      ],
      5,
      8,
    );
    expect(r).toEqual({ rate: 110 / 10.1, records: 110, seconds: 10.1, windows: 2, warmupWindows: 1 });
  });

  it('says the run was too short when nothing is left after the warm-up', () => {
    expect(() => steadyRate([{ records: 5, seconds: 1 }], 5)).toThrow(/too short/);
  });
});
