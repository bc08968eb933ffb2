import { describe, expect, it } from 'vitest';
import type { ProducerEngine } from '../../../src/engine/engine.js';
import type { Clock } from '../../../src/run/clock.js';
import { newProducerId, PayloadEncoder } from '../../../src/run/payload.js';
import { RateSchedule } from '../../../src/run/rateSchedule.js';
import { SendLoop } from '../../../src/run/sendLoop.js';

describe('RateSchedule', () => {
  it('spaces messages evenly from the start', () => {
    const s = new RateSchedule(1000, 5_000_000);
    expect(s.scheduledAt(0)).toBe(5_000_000);
    expect(s.scheduledAt(250)).toBe(5_250_000);
    expect(s.dueBy(4_999_999)).toBe(0);
    expect(s.dueBy(5_000_000)).toBe(1);
    expect(s.dueBy(5_010_500)).toBe(11);
    expect(s.waitFor(20, 5_010_000)).toBe(10_000);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateSchedule(0, 0)).toThrow();
  });
});

/** A simulated clock and broker: time only moves when the loop sleeps or a send is acknowledged. */
function simulation(stallAtMicros: number, stallMicros: number, serviceMicros: number) {
  let now = 0;
  const clock: Clock = {
    nowMicros: () => now,
    // Like setTimeout: even a 0 ms sleep lasts about a millisecond.
    sleep: async (ms) => {
      now += Math.max(ms * 1000, 1000);
      await Promise.resolve();
    },
    cpuMicros: () => 0,
  };
  let stalled = false;
  const engine: ProducerEngine = {
    send: (_topic, batches, settled) => {
      // The broker freezes once for stallMicros, like a leader election or a GC pause.
      if (!stalled && now >= stallAtMicros) {
        stalled = true;
        now += stallMicros;
      } else {
        now += serviceMicros;
      }
      void Promise.resolve().then(() => {
        for (const b of batches) settled(b, undefined);
      });
    },
    abort: () => undefined,
    counters: () => ({ requests: 0, retries: 0, producerIdResets: 0, throttledMs: 0 }),
    close: () => Promise.resolve(),
  };
  return { clock, engine };
}

describe('SendLoop open-loop latency (no coordinated omission)', () => {
  it('shows a 1 s broker stall in p99 of the response time, measured from the scheduled send time', async () => {
    const { clock, engine } = simulation(2_000_000, 1_000_000, 200);
    const encoder = new PayloadEncoder({ format: 'binary', origin: 'o', producerId: newProducerId(), recordSize: 32 });
    const loop = new SendLoop(
      engine,
      encoder,
      { topic: 't', partitions: 1, numMessages: 10_000, warmupMs: 0, batchSize: 100, maxInFlight: 1, throughput: 1000 },
      clock,
      { classifyError: () => ({ message: 'x', fatal: true }) },
    );
    const stats = await loop.run();
    expect(stats.acked).toBe(10_000);
    // 1000 msg/s for 10 s, with one 1 s stall: about 10% of messages wait for it, so p99 sees ~1 s.
    expect(stats.responseTime.percentile(99)).toBeGreaterThan(500_000);
    expect(stats.responseTime.percentile(50)).toBeLessThan(5_000);
    // The service time (send → ack) only sees the stall once, in its max: the coordinated-omission view.
    expect(stats.serviceTime.percentile(99)).toBeLessThan(5_000);
    expect(stats.serviceTime.summary().max).toBeGreaterThanOrEqual(1_000_000);
  });

  it('keeps to the schedule when the broker keeps up', async () => {
    const { clock, engine } = simulation(Infinity, 0, 100);
    const encoder = new PayloadEncoder({ format: 'binary', origin: 'o', producerId: newProducerId(), recordSize: 32 });
    const loop = new SendLoop(
      engine,
      encoder,
      { topic: 't', partitions: 3, numMessages: 2_000, warmupMs: 0, batchSize: 50, maxInFlight: 4, throughput: 500 },
      clock,
      { classifyError: () => ({ message: 'x', fatal: true }) },
    );
    const stats = await loop.run();
    const seconds = (stats.endedAtMicros - stats.startedAtMicros) / 1e6;
    expect(seconds).toBeGreaterThan(3.9);
    expect(seconds).toBeLessThan(4.2);
    expect(stats.acknowledged.count).toBe(2_000);
  });
});

describe('SendLoop self-diagnosis', () => {
  it('blames a broker stall on the cluster, not on ktc: late sends while held back are not "ktc was the bottleneck"', async () => {
    const { clock, engine } = simulation(2_000_000, 3_000_000, 200);
    const encoder = new PayloadEncoder({ format: 'binary', origin: 'o', producerId: newProducerId(), recordSize: 32 });
    const loop = new SendLoop(
      engine,
      encoder,
      { topic: 't', partitions: 2, numMessages: 8_000, warmupMs: 0, batchSize: 100, maxInFlight: 1, throughput: 1000 },
      clock,
      { classifyError: () => ({ message: 'x', fatal: true }) },
    );
    const stats = await loop.run();
    expect(stats.acked).toBe(8_000);
    // About 3 s of messages were due during the stall and left late, all while the loop waited on the broker.
    expect(stats.lateSendsWaitingOnCluster).toBeGreaterThan(2_500);
    expect(stats.lateSends).toBe(0);
    expect(stats.longestStallMicros).toBeGreaterThanOrEqual(3_000_000);
  });

  /** A loop whose every sleep overruns by 20 ms, during which ktc itself runs for `cpuShare` of the time. */
  async function oversleeping(cpuShare: number) {
    let now = 0;
    let cpu = 0;
    const clock: Clock = {
      nowMicros: () => now,
      sleep: async (ms) => {
        now += ms * 1000 + 20_000;
        cpu += cpuShare * (ms * 1000 + 20_000);
        await Promise.resolve();
      },
      cpuMicros: () => cpu,
    };
    const engine: ProducerEngine = {
      send: (_topic, batches, settled) => void Promise.resolve().then(() => batches.forEach((b) => settled(b, undefined))),
      abort: () => undefined,
      counters: () => ({ requests: 0, retries: 0, producerIdResets: 0, throttledMs: 0 }),
      close: () => Promise.resolve(),
    };
    const encoder = new PayloadEncoder({ format: 'binary', origin: 'o', producerId: newProducerId(), recordSize: 32 });
    const loop = new SendLoop(
      engine,
      encoder,
      { topic: 't', partitions: 1, numMessages: 500, warmupMs: 0, batchSize: 1, maxInFlight: 1000, throughput: 1000 },
      clock,
      { classifyError: () => ({ message: 'x', fatal: true }) },
    );
    return loop.run();
  }

  it('blames ktc when sends leave late although the in-flight limit was never reached and ktc was busy', async () => {
    // The broker answers at once and ktc ran the whole time: the lateness is ktc's own work.
    const stats = await oversleeping(1);
    expect(stats.lateSends).toBeGreaterThan(300);
    expect(stats.lateSendsHostBusy).toBe(0);
    expect(stats.lateSendsWaitingOnCluster).toBe(0);
  });

  it('blames the host, not ktc, when sends leave late while ktc was ready but hardly ran (other processes had the CPU)', async () => {
    const stats = await oversleeping(0.1);
    expect(stats.lateSendsHostBusy).toBeGreaterThan(300);
    expect(stats.lateSends).toBe(0);
    expect(stats.lateSendsWaitingOnCluster).toBe(0);
  });
});

describe('SendLoop partition layout', () => {
  /** The partition and size of every batch, send by send. */
  async function layout(partitions: number, batchSize: number, partitionsPerSend?: number): Promise<Array<Array<[number, number]>>> {
    const sends: Array<Array<[number, number]>> = [];
    const engine: ProducerEngine = {
      send: (_topic, batches, settled) => {
        sends.push(batches.map((b) => [b.partition, b.values.length]));
        void Promise.resolve().then(() => {
          for (const b of batches) settled(b, undefined);
        });
      },
      abort: () => undefined,
      counters: () => ({ requests: 0, retries: 0, producerIdResets: 0, throttledMs: 0 }),
      close: () => Promise.resolve(),
    };
    const clock: Clock = { nowMicros: () => 0, sleep: () => Promise.resolve(), cpuMicros: () => 0 };
    const encoder = new PayloadEncoder({ format: 'binary', origin: 'o', producerId: newProducerId(), recordSize: 32 });
    const settings = { topic: 't', partitions, numMessages: 3 * batchSize, warmupMs: 0, batchSize, maxInFlight: 5, throughput: 0 };
    const loop = new SendLoop(engine, encoder, partitionsPerSend ? { ...settings, partitionsPerSend } : settings, clock, {
      classifyError: () => ({ message: 'x', fatal: true }),
    });
    expect((await loop.run()).acked).toBe(3 * batchSize);
    return sends;
  }

  it('spreads each send over every partition by default, in contiguous runs, going on where the last send stopped', async () => {
    expect(await layout(3, 6)).toEqual([
      [
        [0, 2],
        [1, 2],
        [2, 2],
      ],
      [
        [0, 2],
        [1, 2],
        [2, 2],
      ],
      [
        [0, 2],
        [1, 2],
        [2, 2],
      ],
    ]);
  });

  it('with partitionsPerSend, fills fewer, larger batches per send and takes the next partitions in the next send', async () => {
    expect(await layout(10, 8, 4)).toEqual([
      [
        [0, 2],
        [1, 2],
        [2, 2],
        [3, 2],
      ],
      [
        [4, 2],
        [5, 2],
        [6, 2],
        [7, 2],
      ],
      [
        [8, 2],
        [9, 2],
        [0, 2],
        [1, 2],
      ],
    ]);
  });
});
