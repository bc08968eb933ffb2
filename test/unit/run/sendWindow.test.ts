import { describe, expect, it } from 'vitest';
import { InProcessProducer, type ProducerJob } from '../../../src/run/producerRunner.js';
import { SendStats } from '../../../src/run/sendLoop.js';
import { systemClock } from '../../../src/run/clock.js';
import type { Engine } from '../../../src/engine/engine.js';

describe("the producers' progress window", () => {
  it('is handed over whole by takeWindow(), frozen, and the next one starts empty', () => {
    const stats = new SendStats();
    Object.assign(stats.window, { acked: 10, bytes: 1000, latencySumMicros: 50_000, latencyMaxMicros: 9000 });
    const first = stats.takeWindow();
    expect(first).toEqual({ acked: 10, bytes: 1000, latencySumMicros: 50_000, latencyMaxMicros: 9000 });
    expect(Object.isFrozen(first)).toBe(true);
    stats.window.acked += 4;
    expect(first.acked).toBe(10);
    expect(stats.takeWindow()).toEqual({ acked: 4, bytes: 0, latencySumMicros: 0, latencyMaxMicros: 0 });
    expect(stats.takeWindow()).toEqual({ acked: 0, bytes: 0, latencySumMicros: 0, latencyMaxMicros: 0 });
  });

  it('is empty for a producer that has not started', () => {
    const producer = new InProcessProducer({} as Engine, {} as ProducerJob, systemClock, { classifyError: () => ({ message: '', fatal: false }) });
    expect(producer.takeWindow()).toEqual({ acked: 0, bytes: 0, latencySumMicros: 0, latencyMaxMicros: 0 });
    expect(producer.live).toEqual({ sent: 0, acked: 0, failed: 0, inFlight: 0 });
  });
});
