import { describe, expect, it } from 'vitest';
import type { ConsumedBatch, ConsumedMessage, ConsumerEngine } from '../../../src/engine/engine.js';
import { MessageList } from '../../../src/engine/messageList.js';
import type { Clock } from '../../../src/run/clock.js';
import { ConsumeLoop } from '../../../src/run/consumeLoop.js';
import { newProducerId, PayloadEncoder } from '../../../src/run/payload.js';
import { buffersOf } from '../../../src/engine/bufferValueList.js';

const NOW = 1_795_550_803_000_000;

/** Hands its batches to the loop once started, as an engine's fetch loop would. */
class ScriptedConsumer implements ConsumerEngine {
  processed: number[] = [];

  constructor(private readonly batches: ConsumedBatch[]) {}

  start(onBatch: (batch: ConsumedBatch) => Promise<number>): Promise<void> {
    setImmediate(() => {
      void (async () => {
        for (const batch of this.batches) this.processed.push(await onBatch(batch));
      })();
    });
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const clock: Clock = { nowMicros: () => NOW, sleep: () => Promise.resolve(), cpuMicros: () => 0 };

function messages(values: Array<Buffer | null>, firstOffset = 0): ConsumedMessage[] {
  return values.map((value, i) => ({ offset: String(firstOffset + i), value, key: null }));
}

describe('ConsumeLoop', () => {
  const a = new PayloadEncoder({ format: 'binary', origin: 'o', producerId: newProducerId(), recordSize: 100 });
  const b = new PayloadEncoder({ format: 'json', origin: 'o', producerId: newProducerId() });

  it('counts every kind, records latency and sequences per run exactly as per record, and stops at -n', async () => {
    const p0 = [
      ...buffersOf(a.encodeBatch(0, 5, NOW - 1000)), // a 0..4, 1 ms
      ...buffersOf(b.encodeBatch(0, 2, NOW - 3000)), // b 0..1, 3 ms
      ...buffersOf(a.encodeBatch(5, 3, NOW - 2000)), // a 5..7, 2 ms
      ...buffersOf(a.encodeBatch(3, 1, NOW - 2000)), // a 3 again: a duplicate, out of order
      null,
      Buffer.from('not json'),
      Buffer.from('{"k": 1}'),
    ];
    const p1 = [...buffersOf(b.encodeBatch(2, 3, NOW - 1000)), ...buffersOf(a.encodeBatch(8, 4, NOW - 500))]; // -n stops after b 2..4 and a 8..9
    const engine = new ScriptedConsumer([
      { topic: 't', partition: 0, records: new MessageList(messages(p0)) },
      { topic: 't', partition: 1, records: new MessageList(messages(p1)) },
    ]);
    const loop = new ConsumeLoop(engine, { maxMessages: p0.length + 5 }, clock);
    const { stats, reason } = await loop.run();
    expect(reason).toBe('count');
    expect(engine.processed).toEqual([p0.length, 5]);
    expect(stats.received).toBe(p0.length + 5);
    expect([stats.ktc, stats.nullValues, stats.foreign, stats.json]).toEqual([16, 1, 1, 1]);
    expect(stats.bytes).toBe(p0.reduce((n, v) => n + (v?.length ?? 0), 0) + p1.slice(0, 5).reduce((n, v) => n + v.length, 0));
    const latency = stats.endToEnd.summary();
    expect(latency.count).toBe(16);
    expect([latency.min, latency.max]).toEqual([500, 3000]);
    expect(latency.percentiles.p50).toBe(1000); // sorted: 2 at 0.5 ms, 8 at 1 ms, 4 at 2 ms, 2 at 3 ms
    const v = stats.tracker.verify();
    expect(v.duplicates).toBe(1);
    expect(v.outOfOrder).toBe(1);
    const byProducer = Object.fromEntries(v.producers.map((p) => [p.received, p.unique]));
    expect(byProducer).toEqual({ 11: 10, 5: 5 }); // a: 0..9 plus the duplicate; b: 0..4
  });
});
