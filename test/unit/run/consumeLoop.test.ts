import { describe, expect, it } from 'vitest';
import type { ConsumedBatch, ConsumedMessage, ConsumerEngine } from '../../../src/engine/engine.js';
import { MessageList } from '../../../src/engine/messageList.js';
import type { Clock } from '../../../src/run/clock.js';
import { ConsumeLoop } from '../../../src/run/consumeLoop.js';
import { newProducerId, PayloadEncoder } from '../../../src/run/payload.js';
import { buffersOf } from '../../../src/engine/bufferValueList.js';
import { WireRecordList } from '../../../src/engine/wire/recordList.js';
import { nativeKtcValuesBuilt, useNativeKtcValues } from '../../../src/run/ktcValues.js';
import type { RecordList } from '../../../src/engine/engine.js';
import { defined } from '../../../src/defined.js';

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

/**
 * The values as the wire consumer keeps them: positions in the bytes they arrived in, here split over two buffers
 * (a fetch response and a decompressed batch, say), the second from `split` on.
 */
function wireList(values: Array<Buffer | null>, split = Math.floor(values.length / 2)): WireRecordList {
  const list = new WireRecordList(4);
  list.reserve(values.length);
  for (const [part, from, to] of [
    [0, 0, split],
    [1, split, values.length],
  ] as const) {
    const own = values.slice(from, to);
    // Leading bytes, so no value starts at 0.
    const body = Buffer.concat([Buffer.from([part, 7, 7]), ...own.map((v) => v ?? Buffer.alloc(0))]);
    const index = list.useBody(body);
    let at = 3;
    own.forEach((v, i) => {
      list.push(index, from + i, 0, -1, at, v === null ? -1 : v.length, -1);
      at += v?.length ?? 0;
    });
  }
  return list;
}

/** How the loop is given its records: a list of messages (kafkajs), the wire consumer's list read in TypeScript, or natively. */
const READINGS = [
  ['messages', (values: Array<Buffer | null>): RecordList => new MessageList(messages(values)), false],
  ['wire list, values read in TypeScript', wireList, false],
  ['wire list, ktc values read natively', wireList, true],
] as const;

async function consume(batches: Array<{ partition: number; records: RecordList }>, native: boolean, maxMessages?: number) {
  useNativeKtcValues(native);
  try {
    const engine = new ScriptedConsumer(batches.map((b) => ({ topic: 't', ...b })));
    const loop = new ConsumeLoop(engine, maxMessages === undefined ? {} : { maxMessages }, clock);
    // Without -n nothing ends the loop but the scripted consumer running out: stop once it has.
    const done = setInterval(() => engine.processed.length === batches.length && loop.stop('done'), 5);
    const result = await loop.run();
    clearInterval(done);
    return { ...result, processed: engine.processed };
  } finally {
    useNativeKtcValues(true);
  }
}

describe('ConsumeLoop', () => {
  const a = new PayloadEncoder({ format: 'binary', origin: 'o', producerId: newProducerId(), recordSize: 100 });
  const b = new PayloadEncoder({ format: 'json', origin: 'o', producerId: newProducerId() });
  const c = new PayloadEncoder({ format: 'binary', origin: 'o', producerId: newProducerId(), recordSize: 28 });

  it('the native reader of ktc values is built here', () => {
    expect(nativeKtcValuesBuilt).toBe(true);
  });

  it.each(READINGS)('%s: binary values of two producers, in runs broken by gaps, repeats and send times, counted exactly', async (_, list, native) => {
    // More runs than the native reader returns per call (64), so it is called again part way through a list.
    const p0: Buffer[] = [];
    for (let run = 0; run < 100; run++) {
      p0.push(...buffersOf(a.encodeBatch(run * 10, 7, NOW - 1000 - (run % 3)))); // a: 7 of every 10, so 100 runs
      if (run % 10 === 0) p0.push(...buffersOf(c.encodeBatch(run, 2, NOW - 5000))); // c: 0,1 10,11 ... interleaved
    }
    p0.push(...buffersOf(a.encodeBatch(20, 3, NOW - 1000))); // a 20..22 again: 3 duplicates, out of order
    const p1 = [...buffersOf(c.encodeBatch(1000, 50, NOW - 200)), null]; // a run that ends in a tombstone
    const { stats, reason, processed } = await consume(
      [
        { partition: 0, records: list(p0) },
        { partition: 1, records: list(p1) },
      ],
      native,
      p0.length + 40,
    );
    expect(reason).toBe('count');
    expect(processed).toEqual([p0.length, 40]);
    expect([stats.received, stats.ktc, stats.nullValues, stats.json, stats.foreign]).toEqual([p0.length + 40, p0.length + 40, 0, 0, 0]);
    expect(stats.bytes).toBe(p0.reduce((n, v) => n + v.length, 0) + 40 * 28);
    const latency = stats.endToEnd.summary();
    expect(latency.count).toBe(p0.length + 40);
    expect([latency.min, latency.max]).toEqual([200, 5000]);
    expect(latency.percentiles.p50).toBe(1001); // 703 a at 1000-1002 µs (234/235/234 per value), 20 c at 5000, 40 c at 200
    const v = stats.tracker.verify();
    expect([v.duplicates, v.outOfOrder]).toEqual([3, 1]);
    const byProducer = Object.fromEntries(v.producers.map((p) => [p.received, [p.unique, p.gaps]]));
    // Gaps count the sequence numbers missing below the highest: a 0..996 without 3 of every 10, c 0..1039 but 60 of them.
    expect(byProducer).toEqual({ 703: [700, 297], 60: [60, 980] });
  });

  it.each(READINGS)('%s: a list that mixes binary values with JSON, foreign values and tombstones, counted exactly', async (_, list, native) => {
    const values = [
      ...buffersOf(a.encodeBatch(0, 4, NOW - 1000)),
      Buffer.from('ktc\x02 too short', 'latin1'), // the magic word, but shorter than the header: foreign
      ...buffersOf(a.encodeBatch(4, 4, NOW - 1000)),
      ...buffersOf(b.encodeBatch(0, 2, NOW - 3000)),
      null,
      ...buffersOf(a.encodeBatch(8, 2, NOW - 1000)),
      Buffer.from('{"k": 1}'),
    ];
    const { stats } = await consume([{ partition: 0, records: list(values, 6) }], native);
    expect([stats.received, stats.ktc, stats.nullValues, stats.json, stats.foreign]).toEqual([values.length, 12, 1, 1, 1]);
    expect(stats.bytes).toBe(values.reduce((n, v) => n + (v?.length ?? 0), 0));
    const v = stats.tracker.verify();
    expect([v.duplicates, v.outOfOrder]).toEqual([0, 0]);
    expect(v.producers.map((p) => [p.received, p.gaps]).sort()).toEqual([
      [10, 0],
      [2, 0],
    ]);
    expect(stats.endToEnd.summary().percentiles.p50).toBe(1000);
  });

  it.each(READINGS)(
    '%s: JSON values of two producers (one padded to a record size), in runs broken by gaps, repeats and send times, counted exactly',
    async (_, list, native) => {
      const d = new PayloadEncoder({ format: 'json', origin: 'o', producerId: newProducerId(), recordSize: 1024 });
      const p0: Buffer[] = [];
      for (let run = 0; run < 90; run++) {
        p0.push(...buffersOf(d.encodeBatch(run * 10, 6, NOW - 2000 - (run % 4)))); // d: 6 of every 10, so 90 runs
        if (run % 9 === 0) p0.push(...buffersOf(b.encodeBatch(run, 3, NOW - 2000 - (run % 4)))); // b: 0..2 9..11 ..., sent with d's run
      }
      p0.push(...buffersOf(d.encodeBatch(30, 2, NOW - 2000))); // d 30, 31 again: 2 duplicates, out of order
      p0.push(...buffersOf(a.encodeBatch(0, 5, NOW - 300))); // binary values after JSON ones, in the same list
      const { stats, reason, processed } = await consume([{ partition: 0, records: list(p0) }], native, p0.length - 1);
      expect(reason).toBe('count');
      expect(processed).toEqual([p0.length - 1]);
      expect([stats.received, stats.ktc, stats.nullValues, stats.json, stats.foreign]).toEqual([p0.length - 1, p0.length - 1, 0, 0, 0]);
      expect(stats.bytes).toBe(p0.slice(0, -1).reduce((n, v) => n + v.length, 0));
      const latency = stats.endToEnd.summary();
      expect(latency.count).toBe(p0.length - 1);
      expect([latency.min, latency.max]).toEqual([300, 2003]);
      expect(latency.percentiles.p50).toBe(2001); // sorted: 4 a at 300 µs, then d and b: 149 at 2000, 147 at 2001, 138 at 2002 and at 2003
      const v = stats.tracker.verify();
      expect([v.duplicates, v.outOfOrder]).toEqual([2, 1]);
      const byProducer = Object.fromEntries(v.producers.map((p) => [p.received, [p.unique, p.gaps]]));
      // d 0..895 without 4 of every 10; b 0..83 but 30 of them; a 0..3.
      expect(byProducer).toEqual({ 542: [540, 356], 30: [30, 54], 4: [4, 0] });
    },
  );

  it.each(READINGS)('%s: values that look like ktc JSON but are not quite, read as the TypeScript decoder reads them', async (_, list, native) => {
    const good = buffersOf(b.encodeBatch(100, 7, NOW - 1000));
    const idAt = '{"timestamp": 1795550803.176123, "_id": "'.length;
    const spoilt = (at: number, char: string): Buffer => {
      const v = Buffer.from(defined(good[0]));
      v.write(char, at, 'latin1');
      return v;
    };
    const nearMisses = [
      spoilt(idAt + 20, 'A'), // an upper-case digit in the sequence number: still a JSON object, not ktc's
      spoilt(idAt + 2, '0'), // not ktc's marker (6b746301): another JSON object
      spoilt(16, 'x'), // a letter in the timestamp's seconds: not JSON at all
      spoilt(27, '.'), // a dot among its microseconds' digits: not JSON
      spoilt(idAt + 10, 'g'), // not hex in the producer id
    ];
    const short = Buffer.from(defined(good[0]).subarray(0, idAt + 31)); // one digit short of a sequence number...
    const digit = Buffer.from('7'); // ... and the value after it, next in memory, a hex digit: not read as the last one
    // Each near miss in a list of its own, after a ktc value and before another: the native reader meets every one.
    const batches = [
      ...nearMisses.map((miss, i) => ({ partition: i, records: list([defined(good[i]), miss, defined(good[i + 1])], 1) })),
      { partition: 5, records: list([defined(good[6]), short, digit], 1) },
    ];
    const { stats } = await consume(batches, native);
    expect([stats.received, stats.ktc, stats.json, stats.foreign]).toEqual([18, 11, 3, 4]);
    const all = [...good.slice(0, 5), ...good.slice(1, 7), ...nearMisses, short, digit];
    expect(stats.bytes).toBe(all.reduce((n, v) => n + v.length, 0));
    const v = stats.tracker.verify();
    expect([v.duplicates, v.outOfOrder]).toEqual([4, 0]); // 100 101, 101 102, ... 104 105, each pair in a partition of its own; 106
    expect(v.producers.map((p) => [p.received, p.unique])).toEqual([[11, 7]]);
  });

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
