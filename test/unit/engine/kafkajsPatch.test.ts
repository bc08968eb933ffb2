import { describe, expect, it } from 'vitest';
import { findingCoordinatorAgain, groupMessagesPerPartition, scheduleCheckPendingRequests, type ConsumerGroupState } from '../../../src/engine/kafkajsPatch.js';
import { createRequire } from 'node:module';
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

describe("kafkajs' group heartbeat when the coordinator is gone", () => {
  const kafkajsErrors = createRequire(import.meta.url)('kafkajs/src/errors.js') as Record<string, new (...args: unknown[]) => Error>;
  const kafkajsError = (name: string, ...args: unknown[]): Error => new (kafkajsErrors[name] as new (...a: unknown[]) => Error)(...args);

  /** A ConsumerGroup whose coordinator answers heartbeats with `failure`, and whose lookup finds `next`. */
  function group(failure: Error | undefined, next: Promise<unknown>) {
    const lookups: string[] = [];
    const state: ConsumerGroupState = {
      groupId: 'g-1',
      coordinator: 'broker 2',
      cluster: {
        findGroupCoordinator: ({ groupId }) => {
          lookups.push(groupId);
          return next;
        },
      },
      offsetManager: { coordinator: 'broker 2' },
    };
    const heartbeat = findingCoordinatorAgain(function (this: ConsumerGroupState) {
      return failure ? Promise.reject(failure) : Promise.resolve();
    });
    return { state, lookups, heartbeat: () => heartbeat.call(state, { interval: 3000 }) };
  }

  it('looks the coordinator up again after a connection error, for heartbeats and commits, and still reports the error', async () => {
    const refused = kafkajsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.2.2:9092');
    const g = group(refused, Promise.resolve('broker 3'));
    await expect(g.heartbeat()).rejects.toBe(refused);
    expect(g.lookups).toEqual(['g-1']);
    expect(g.state.coordinator).toBe('broker 3');
    expect(g.state.offsetManager?.coordinator).toBe('broker 3');
  });

  it('keeps the coordinator it has when the lookup fails too, and after errors the coordinator itself sent', async () => {
    const refused = kafkajsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.2.2:9092');
    const lost = group(refused, Promise.reject(refused));
    await expect(lost.heartbeat()).rejects.toBe(refused);
    expect(lost.state.coordinator).toBe('broker 2');

    const rebalancing = kafkajsError('KafkaJSProtocolError', { type: 'REBALANCE_IN_PROGRESS', message: 'x', retriable: false });
    const answered = group(rebalancing, Promise.resolve('broker 3'));
    await expect(answered.heartbeat()).rejects.toBe(rebalancing);
    expect(answered.lookups).toEqual([]);
    expect(answered.state.coordinator).toBe('broker 2');

    const healthy = group(undefined, Promise.resolve('broker 3'));
    await healthy.heartbeat();
    expect(healthy.lookups).toEqual([]);
  });
});
