import { describe, expect, it, vi } from 'vitest';
import type { PartitionBatch } from '../../../src/engine/engine.js';
import { Reader, Writer } from '../../../src/engine/wire/codec.js';
import { DeliveryTimeoutError } from '../../../src/engine/wire/protocolErrors.js';
import { parseProduceResponse, WireProducer, type WireProducerSettings } from '../../../src/engine/wire/wireProducer.js';
import { FakeCluster } from './fakeCluster.js';
import { defined } from '../../../src/defined.js';
import { BufferValueList } from '../../../src/engine/bufferValueList.js';

const settings = (overrides: Partial<WireProducerSettings> = {}): WireProducerSettings => ({
  acks: -1,
  compression: 'none',
  idempotent: true,
  deliveryTimeoutMs: 5_000,
  retryBackoffMs: 1,
  retryBackoffMaxMs: 5,
  maxInFlightPerBroker: 5,
  ...overrides,
});

function batch(partition: number, ...values: string[]): PartitionBatch {
  return { partition, values: new BufferValueList(values.map((v) => Buffer.from(v))) };
}

/** Sends one set of batches; resolves with each batch's outcome once all are settled. */
function send(producer: WireProducer, batches: PartitionBatch[]): Promise<Map<PartitionBatch, Error | undefined>> {
  return new Promise((resolve) => {
    const outcomes = new Map<PartitionBatch, Error | undefined>();
    producer.send('t', batches, (b, error) => {
      outcomes.set(b, error);
      if (outcomes.size === batches.length) resolve(outcomes);
    });
  });
}

async function idempotentProducer(cluster: FakeCluster, overrides: Partial<WireProducerSettings> = {}): Promise<WireProducer> {
  const producer = new WireProducer(cluster, settings(overrides), 1000);
  // What connect() does after the first metadata request.
  await (producer as unknown as { initProducerIdWithin(ms: number): Promise<void> }).initProducerIdWithin(1000);
  return producer;
}

describe('produce response parsing', () => {
  it('reads each partition error and the throttle time at the end of a v7 response', () => {
    const w = new Writer(128).int32(1).string('t').int32(2);
    w.int32(0).int16(0).int64(10).int64(-1).int64(0);
    w.int32(3).int16(6).int64(-1).int64(-1).int64(0);
    const r = parseProduceResponse(new Reader(w.int32(250).result()), 7);
    expect([...r.errors]).toEqual([
      [0, 0],
      [3, 6],
    ]);
    expect(r.throttleMs).toBe(250);
  });

  it('skips the per-record errors and message a v8 response adds', () => {
    const w = new Writer(128).int32(1).string('t').int32(2);
    w.int32(0).int16(87).int64(-1).int64(-1).int64(0).int32(1).int32(3).string('bad record').string('INVALID_RECORD');
    w.int32(1).int16(0).int64(5).int64(-1).int64(0).int32(0).int16(-1);
    const r = parseProduceResponse(new Reader(w.int32(0).result()), 8);
    expect([...r.errors]).toEqual([
      [0, 87],
      [1, 0],
    ]);
  });
});

describe('WireProducer delivery', () => {
  it('settles each partition from its own answer: one failing leader does not fail what another acknowledged', async () => {
    const cluster = new FakeCluster([1, 2]);
    cluster.failing.set(1, 29); // TOPIC_AUTHORIZATION_FAILED on partition 1 only: not retriable
    const producer = new WireProducer(cluster, settings({ idempotent: false }), 1000);
    const a = batch(0, 'a0', 'a1');
    const b = batch(1, 'b0');
    const outcomes = await send(producer, [a, b]);
    expect(outcomes.get(a)).toBeUndefined();
    expect(outcomes.get(b)?.message).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
    expect(cluster.log(0)).toEqual(['a0', 'a1']);
  });

  it('retries a leader move (NOT_LEADER_OR_FOLLOWER) after refreshing metadata, and counts the retry', async () => {
    const cluster = new FakeCluster([1, 2]);
    cluster.inject(1, { code: 6 });
    const producer = await idempotentProducer(cluster);
    const outcomes = await send(producer, [batch(0, 'a'), batch(1, 'b')]);
    expect([...outcomes.values()]).toEqual([undefined, undefined]);
    expect(cluster.log(1)).toEqual(['b']);
    expect(cluster.metadataRefreshes).toBeGreaterThan(0);
    expect(producer.counters().retries).toBe(1);
  });

  it('does not duplicate a batch whose response was lost after the broker appended it', async () => {
    const cluster = new FakeCluster([1]);
    cluster.inject(0, { loseResponseAfterAppend: true });
    const producer = await idempotentProducer(cluster);
    const outcomes = await send(producer, [batch(0, 'x', 'y')]);
    expect([...outcomes.values()]).toEqual([undefined]);
    expect(cluster.log(0)).toEqual(['x', 'y']);
    expect(cluster.requests).toHaveLength(2); // sent twice, written once
  });

  it('without idempotence the same lost response writes the batch twice (what the Java producer does too)', async () => {
    const cluster = new FakeCluster([1]);
    cluster.inject(0, { loseResponseAfterAppend: true });
    const producer = new WireProducer(cluster, settings({ idempotent: false }), 1000);
    await send(producer, [batch(0, 'x')]);
    expect(cluster.log(0)).toEqual(['x', 'x']);
  });

  it('keeps order when the first of five in-flight batches fails: the rest come back out of order and are resent in turn', async () => {
    const cluster = new FakeCluster([1]);
    cluster.inject(0, { code: 19 }); // NOT_ENOUGH_REPLICAS on the first batch only
    const producer = await idempotentProducer(cluster);
    const sends = [0, 1, 2, 3, 4].map((i) => send(producer, [batch(0, `m${i}a`, `m${i}b`)]));
    const outcomes = await Promise.all(sends);
    expect(outcomes.flatMap((o) => [...o.values()])).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(cluster.log(0)).toEqual(['m0a', 'm0b', 'm1a', 'm1b', 'm2a', 'm2b', 'm3a', 'm3b', 'm4a', 'm4b']);
    // One batch per partition per request: five requests were in flight before the first answer came back.
    expect(cluster.requests.slice(0, 5).map((r) => defined(r[0]).baseSequence)).toEqual([0, 2, 4, 6, 8]);
  });

  it('keeps at most maxInFlightPerBroker requests at a slow broker while the other broker takes every request', async () => {
    const cluster = new FakeCluster([1, 2]);
    cluster.hold(1);
    const producer = await idempotentProducer(cluster, { maxInFlightPerBroker: 2 });
    const sends = [0, 1, 2, 3].map((i) => send(producer, [batch(0, `a${i}`), batch(1, `b${i}`)]));
    await vi.waitFor(() => expect(cluster.log(1)).toEqual(['b0', 'b1', 'b2', 'b3']));
    // Broker 1 answers nothing: only two of its four batches were sent, the others wait in the producer.
    expect(cluster.log(0)).toEqual(['a0', 'a1']);
    expect(cluster.mostInFlight.get('broker-1')).toBe(2);
    cluster.release(1);
    const outcomes = await Promise.all(sends);
    expect(outcomes.flatMap((o) => [...o.values()])).toEqual(Array(8).fill(undefined));
    expect(cluster.log(0)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(cluster.mostInFlight.get('broker-1')).toBe(2);
    expect(producer.counters()).toMatchObject({ requests: 8, retries: 0 });
  });

  it('batches that waited for their leader share requests of up to 1 MiB, in the order they were sent', async () => {
    const cluster = new FakeCluster([1, 1, 1, 1]);
    cluster.hold(1);
    const producer = await idempotentProducer(cluster, { maxInFlightPerBroker: 1 });
    const value = 'v'.repeat(400 * 1024);
    const first = send(producer, [batch(0, value)]);
    await vi.waitFor(() => expect(cluster.requests).toHaveLength(1));
    const sends = [1, 2, 3].map((p) => send(producer, [batch(p, value)]));
    cluster.release(1);
    await Promise.all([first, ...sends]);
    // The first went alone; the three that waited made 800 KiB and 400 KiB: a third would pass 1 MiB.
    expect(cluster.requests.map((r) => r.map((b) => b.partition))).toEqual([[0], [1, 2], [3]]);
  });

  it('fails a batch with the delivery timeout (and the last error) when the partition never recovers', async () => {
    const cluster = new FakeCluster([1]);
    cluster.failing.set(0, 19);
    const producer = await idempotentProducer(cluster, { deliveryTimeoutMs: 200 });
    const started = Date.now();
    const [error] = [...(await send(producer, [batch(0, 'x')])).values()];
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect(defined(error).message).toMatch(/not acknowledged within the delivery timeout.*NOT_ENOUGH_REPLICAS/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(cluster.log(0)).toEqual([]);
  });

  it('fails a batch whose request is never answered at its delivery timeout, without waiting for the request timeout', async () => {
    const cluster = new FakeCluster([1]);
    cluster.inject(0, { neverAnswer: true });
    const producer = await idempotentProducer(cluster, { deliveryTimeoutMs: 150 });
    const started = Date.now();
    const [error] = [...(await send(producer, [batch(0, 'x')])).values()];
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect(defined(error).message).toMatch(/no answer to the produce request for t\[0\]/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('starts a new producer id after a batch is given up on, so later batches are not stuck behind the gap', async () => {
    const cluster = new FakeCluster([1]);
    cluster.inject(0, { code: 10 }); // MESSAGE_TOO_LARGE: not retriable, the batch fails
    const producer = await idempotentProducer(cluster);
    const first = send(producer, [batch(0, 'too-large')]);
    const second = send(producer, [batch(0, 'next')]);
    expect([...(await first).values()][0]?.message).toMatch(/MESSAGE_TOO_LARGE/);
    expect([...(await second).values()]).toEqual([undefined]);
    expect(cluster.log(0)).toEqual(['next']);
    expect(producer.counters().producerIdResets).toBe(1);
    expect(cluster.producerIds).toBe(2);
  });

  it('recovers from UNKNOWN_PRODUCER_ID with a new producer id and renumbered batches', async () => {
    const cluster = new FakeCluster([1]);
    await send(await idempotentProducer(cluster), [batch(0, 'warm')]);
    const producer = await idempotentProducer(cluster);
    cluster.inject(0, { code: 59 });
    const outcomes = await send(producer, [batch(0, 'a', 'b')]);
    expect([...outcomes.values()]).toEqual([undefined]);
    expect(cluster.log(0)).toEqual(['warm', 'a', 'b']);
    const last = defined(defined(cluster.requests.at(-1))[0]);
    expect(last.baseSequence).toBe(0);
    expect(producer.counters().producerIdResets).toBe(1);
  });

  it('abort() fails every batch still waiting for a retry at once', async () => {
    const cluster = new FakeCluster([1]);
    cluster.failing.set(0, 19);
    const producer = await idempotentProducer(cluster, { deliveryTimeoutMs: 60_000 });
    const pending = send(producer, [batch(0, 'x')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    producer.abort(new Error('stopping'));
    const [error] = [...(await pending).values()];
    expect(error?.message).toBe('stopping');
  });
});
