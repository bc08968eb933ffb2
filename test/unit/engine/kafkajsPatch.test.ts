import { describe, expect, it } from 'vitest';
import { groupMessagesPerPartition, scheduleCheckPendingRequests } from '../../../src/engine/kafkajsPatch.js';
import { defined } from '../../../src/defined.js';

// That kafkajs runs with these once ktc loads it is kafkajsClient.test.ts' concern: here the patch loads first.

describe('the linear replacement for kafkajs groupMessagesPerPartition', () => {
  const partitioner = ({ message }: { message: { partition?: number } }) => defined(message.partition);
  const messages = [0, 1, 0, 2, 1, 0].map((partition, i) => ({ partition, value: `m${i}` }));

  it('groups messages by the partitioner, keeping their order within a partition', () => {
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages, partitioner });
    expect(Object.keys(grouped)).toEqual(['0', '1', '2']);
    expect(defined(grouped[0]).map((m) => (m as { value: string }).value)).toEqual(['m0', 'm2', 'm5']);
    expect(grouped[2]).toHaveLength(1);
  });

  it('returns an empty object without partition metadata, as kafkajs does', () => {
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner })).toEqual({});
  });
});

describe("kafkajs' request queue timer on Node 24", () => {
  it("waits at least 1 ms when nothing is throttled, kafkajs' interval when requests are pending, and until the throttle ends otherwise", () => {
    const delays: number[] = [];
    const real = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms: number) => {
      delays.push(ms);
      return real(fn, 0);
    }) as typeof setTimeout;
    try {
      const queue = (pending: unknown[], throttledUntil: number) => ({
        throttledUntil,
        throttleCheckTimeoutId: null,
        pending,
        checkPendingRequests: () => undefined,
      });
      scheduleCheckPendingRequests.call(queue([], -1));
      scheduleCheckPendingRequests.call(queue([{}], -1));
      scheduleCheckPendingRequests.call(queue([{}], Date.now() + 500));
    } finally {
      globalThis.setTimeout = real;
    }
    expect(delays[0]).toBe(1);
    expect(delays[1]).toBe(10);
    expect(delays[2]).toBeGreaterThan(400);
    expect(delays[2]).toBeLessThanOrEqual(500);
  });
});
