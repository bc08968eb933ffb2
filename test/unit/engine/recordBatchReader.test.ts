import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConsumedMessage } from '../../../src/engine/engine.js';
import { Writer } from '../../../src/engine/wire/codec.js';
import { CODECS, type CompressionCodec } from '../../../src/engine/wire/compression.js';
import { crc32c } from '../../../src/engine/wire/crc32c.js';
import { writeRecordBatch } from '../../../src/engine/wire/recordBatch.js';
import {
  CorruptBatchError,
  nextOffset,
  readRecordBatches,
  RecordBatchReader,
  UnsupportedMessageFormatError,
  type AbortedTransaction,
  type ReadOptions,
} from '../../../src/engine/wire/recordBatchReader.js';
import { WireRecordList } from '../../../src/engine/wire/recordList.js';
import { messagesOf } from '../../../src/engine/messageList.js';
import { defined } from '../../../src/defined.js';
import { BufferValueList } from '../../../src/engine/bufferValueList.js';

const fixtures = new URL('../../fixtures/batches/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, fixtures));

interface ManifestRecord {
  offset: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}
interface Manifest {
  records: ManifestRecord[];
  transactions: { abortedTransactions: AbortedTransaction[]; readCommitted: number[]; readUncommitted: number[]; controlBatches: number; next: number };
}
const manifest = JSON.parse(fixture('records.json').toString()) as Manifest;

const text = (b: Buffer | null | undefined): string | null => (b == null ? null : b.toString());

function decoded(out: ConsumedMessage[]): ManifestRecord[] {
  return out.map((m) => ({
    offset: Number(m.offset),
    key: text(m.key),
    value: text(m.value),
    headers: (m.recordHeaders ?? []).map((h) => ({ key: h.key, value: text(h.value) })),
  }));
}

/** A batch ktc's writer made, with the base offset a broker would stamp. */
function batch(values: string[], baseOffset: number, codec: CompressionCodec = 'none'): Buffer {
  const w = new Writer(8);
  writeRecordBatch(w, new BufferValueList(values.map((v) => Buffer.from(v))), 1_795_550_803_176, { codec });
  const b = Buffer.from(w.result());
  b.writeBigInt64BE(BigInt(baseOffset), 0);
  return b;
}

/** Reads into a record list, then appends its records as objects to `out` (what the tests compare). */
function readInto(records: Buffer, fromOffset: number, out: ConsumedMessage[], options?: ReadOptions): ReturnType<typeof readRecordBatches> {
  const list = new WireRecordList();
  const result = readRecordBatches(records, fromOffset, list, options);
  out.push(...messagesOf(list));
  return result;
}

function fixCrc(b: Buffer, at = 0): Buffer {
  b.writeUInt32BE(crc32c(b, at + 21, at + 12 + b.readInt32BE(at + 8)), at + 17);
  return b;
}

function readError(records: Buffer, fromOffset = 0): Error {
  const list = new WireRecordList();
  try {
    readRecordBatches(records, fromOffset, list);
  } catch (err) {
    expect(list.length).toBe(0); // nothing of a corrupt batch reaches the caller
    return err as Error;
  }
  throw new Error('expected the reader to throw');
}

function readCorrupt(records: Buffer, fromOffset = 0): CorruptBatchError {
  const err = readError(records, fromOffset);
  if (!(err instanceof CorruptBatchError)) throw new Error(`expected a CorruptBatchError, got ${String(err)}`);
  return err;
}

describe('record batches written by the Java client', () => {
  it.each(CODECS)('decodes %s exactly: offsets, keys, values, nulls, empty ones, headers, several blocks', (codec) => {
    const out: ConsumedMessage[] = [];
    const result = readInto(fixture(`${codec}.bin`), 0, out);
    expect(result).toEqual({ next: 13, controlRecords: 0, abortedRecords: 0 });
    expect(decoded(out)).toEqual(manifest.records.map(({ offset, key, value, headers }) => ({ offset, key, value, headers })));
    // no header array for records without headers
    expect(defined(out[0]).recordHeaders).toBeUndefined();
    expect(defined(out[1]).recordHeaders).toHaveLength(2);
  });

  it('starts at the requested offset inside a batch', () => {
    const out: ConsumedMessage[] = [];
    expect(readInto(fixture('zstd.bin'), 8, out).next).toBe(13);
    expect(out.map((m) => m.offset)).toEqual(['8', '9', '10', '11', '12']);
  });

  it('reads an idempotent batch', () => {
    const out: ConsumedMessage[] = [];
    expect(readInto(fixture('idempotent.bin'), 0, out).next).toBe(3);
    expect(out.map((m) => text(m.value))).toEqual(['idem-0', 'idem-1', 'idem-2']);
  });

  it('read_uncommitted returns every data record and counts the transaction markers', () => {
    const out: ConsumedMessage[] = [];
    const result = readInto(fixture('transactions.bin'), 0, out);
    expect(out.map((m) => Number(m.offset))).toEqual(manifest.transactions.readUncommitted);
    expect(result).toEqual({ next: 16, controlRecords: 4, abortedRecords: 0 });
  });

  it('read_committed returns exactly the committed and non-transactional records', () => {
    const { abortedTransactions } = manifest.transactions;
    const out: ConsumedMessage[] = [];
    const result = readInto(fixture('transactions.bin'), 0, out, { isolation: 'read_committed', abortedTransactions });
    expect(out.map((m) => Number(m.offset))).toEqual(manifest.transactions.readCommitted);
    expect(out.map((m) => text(m.value))).toEqual(['p100-committed-0', 'p100-committed-1', 'plain-4', 'p200-committed-9', 'p200-committed-10', 'plain-15']);
    expect(result).toEqual({ next: 16, controlRecords: 4, abortedRecords: 6 });
  });

  it('read_committed: an aborted transaction that began before the fetch offset, listed out of order', () => {
    const abortedTransactions = [...manifest.transactions.abortedTransactions].reverse();
    const out: ConsumedMessage[] = [];
    const result = readInto(fixture('transactions.bin'), 6, out, { isolation: 'read_committed', abortedTransactions });
    expect(out.map((m) => Number(m.offset))).toEqual([9, 10, 15]);
    // offsets 6, 7 (producer 200) and 12, 13 (producer 100); the markers at 8, 11, 14 (5 is before the fetch offset)
    expect(result).toEqual({ next: 16, controlRecords: 3, abortedRecords: 4 });
  });

  it('read_committed without aborted transactions in the response returns what read_uncommitted does', () => {
    const out: ConsumedMessage[] = [];
    readInto(fixture('transactions.bin'), 0, out, { isolation: 'read_committed', abortedTransactions: [] });
    expect(out.map((m) => Number(m.offset))).toEqual(manifest.transactions.readUncommitted);
  });

  it('read a batch at a time, read_committed keeps its aborted producers from part to part and ends where one read does', () => {
    const { abortedTransactions } = manifest.transactions;
    const records = fixture('transactions.bin');
    for (const fromOffset of [0, 6]) {
      const options: ReadOptions = { isolation: 'read_committed', abortedTransactions };
      const whole: ConsumedMessage[] = [];
      const expected = readInto(records, fromOffset, whole, options);
      const reader = new RecordBatchReader(records, fromOffset, options);
      const parts: ConsumedMessage[][] = [];
      let more = true;
      while (more) {
        const list = new WireRecordList();
        more = reader.read(list, 1); // past one byte: one batch per part
        parts.push(messagesOf(list));
      }
      expect(parts.length, `from ${fromOffset}`).toBeGreaterThan(5);
      expect(decoded(parts.flat()), `from ${fromOffset}`).toEqual(decoded(whole));
      expect(reader.result, `from ${fromOffset}`).toEqual(expected);
    }
  });

  it.each([0, 1])("refuses a magic-%i message set (shorter than a v2 header) with a line that names Kafka's pre-0.11 format", (magic) => {
    const records = fixture(`magic${magic}.bin`);
    expect(records.length).toBeLessThan(61);
    expect(records.readInt8(16)).toBe(magic);
    const err = readError(records);
    expect(err).toBeInstanceOf(UnsupportedMessageFormatError);
    expect(err.message).toBe(`offset 0 holds messages in Kafka's pre-0.11 format (magic ${magic}), which ktc's wire consumer does not read`);
    expect(err instanceof UnsupportedMessageFormatError && [err.kind, err.retriable]).toEqual(['unsupportedByEngine', false]);
  });
});

describe('record batch reader: ktc-written batches', () => {
  it.each(CODECS)('reads what the writer wrote with %s, across several batches', (codec) => {
    const records = Buffer.concat([batch(['a', 'b'], 10, codec), batch(['c'], 12, codec)]);
    const out: ConsumedMessage[] = [];
    expect(readInto(records, 10, out)).toEqual({ next: 13, controlRecords: 0, abortedRecords: 0 });
    expect(out.map((m) => [m.offset, text(m.value), m.key, m.recordHeaders])).toEqual([
      ['10', 'a', null, undefined],
      ['11', 'b', null, undefined],
      ['12', 'c', null, undefined],
    ]);
  });
});

describe('record batch reader: varints of every width', () => {
  it('reads back values whose lengths and offsets take one, two and three varint bytes', () => {
    // zigzag: 63 and 64 straddle one/two bytes, 8191 and 8192 two/three; 200 records put offsets past 63 and 8191 does not fit.
    const lengths = [0, 1, 63, 64, 100, 8191, 8192, 70_000, ...Array.from({ length: 192 }, (_, i) => i % 3)];
    const values = lengths.map((n, i) => Buffer.alloc(n, i % 251));
    const w = new Writer(8);
    writeRecordBatch(w, new BufferValueList(values), 1_795_550_803_176);
    const list = new WireRecordList();
    expect(readRecordBatches(Buffer.from(w.result()), 0, list).next).toBe(values.length);
    expect(list.length).toBe(values.length);
    for (let i = 0; i < values.length; i++) {
      expect(list.offset(i)).toBe(i);
      expect(list.valueBytes(i).subarray(list.valueStart(i), list.valueStart(i) + list.valueLength(i))).toEqual(values[i]);
    }
  });
});

describe('record batch reader: integrity', () => {
  it('a flipped byte anywhere from the magic byte on is a CorruptBatchError, uncompressed or compressed', () => {
    for (const name of ['none.bin', 'gzip.bin', 'lz4.bin']) {
      const whole = fixture(name);
      const first = whole.subarray(0, 12 + whole.readInt32BE(8));
      for (let i = 16; i < first.length; i++) {
        const b = Buffer.from(first);
        b[i] = defined(b[i]) ^ 0xff;
        const err = readError(b);
        expect(err, `${name} byte ${i}`).toBeInstanceOf(CorruptBatchError);
        expect(err instanceof CorruptBatchError ? err.offset : undefined).toBe(0);
      }
    }
  });

  it('says what is wrong in one line, with the offset', () => {
    const b = batch(['hello', 'world'], 42);
    b[70] = defined(b[70]) ^ 1;
    const err = readCorrupt(b, 42);
    expect(err.message).toMatch(
      /^corrupt record batch at offset 42 \(CRC mismatch\): stored CRC-32C 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}: its bytes changed after the producer wrote them$/,
    );
    expect([err.offset, err.reason, err.retriable]).toEqual([42, 'CRC mismatch', false]);
  });

  it('compressed bytes that do not decompress (with a valid CRC) are corrupt', () => {
    const b = batch(['hello', 'world'], 0, 'gzip');
    b.fill(0x55, 61 + 10, b.length - 8);
    const err = readCorrupt(fixCrc(b));
    expect(err.reason).toBe('bad compressed data');
    expect(err.message).toMatch(/^corrupt record batch at offset 0 \(bad compressed data\): gzip data does not decompress/);
  });

  it.each([0, -1, 48])('batch length %i is corruption, not a loop or an allocation', (length) => {
    const b = batch(['x'], 5);
    b.writeInt32BE(length, 8);
    const err = readCorrupt(b);
    expect(err.reason).toBe('bad length');
    expect(err.message).toBe(`corrupt record batch at offset 5 (bad length): batch length ${length} is below the 49-byte header`);
  });

  it('record lengths that run past the batch are corruption', () => {
    const b = batch(['hello', 'world'], 0);
    expect(b[61]).toBe(2 * 11); // first record: the varint of its 11-byte body
    b[61] = 2 * 60;
    expect(readError(fixCrc(b)).message).toBe('corrupt record batch at offset 0 (bad record): record of 60 bytes runs past the batch');
  });

  it('a record count that does not match the records is corruption', () => {
    const b = batch(['hello', 'world'], 0);
    b.writeInt32BE(3, 57);
    expect(readError(fixCrc(b)).message).toBe('corrupt record batch at offset 0 (bad record): the batch ends after 2 of its 3 records');
    const c = batch(['hello', 'world'], 0);
    c.writeInt32BE(1, 57);
    expect(readError(fixCrc(c)).message).toBe('corrupt record batch at offset 0 (bad record): the batch declares 1 records, but 12 bytes follow the last one');
  });
});

describe('record batch reader: batches cut short', () => {
  it('leaves a last batch cut inside its records for the next fetch', () => {
    const second = batch(['w', 'v'], 103);
    const records = Buffer.concat([batch(['x', 'y', 'z'], 100), second.subarray(0, second.length - 5)]);
    const out: ConsumedMessage[] = [];
    expect(readInto(records, 101, out)).toEqual({ next: 103, controlRecords: 0, abortedRecords: 0 });
    expect(out.map((m) => m.offset)).toEqual(['101', '102']);
  });

  it('says so when not even the first batch is complete: its offset, its size, what came', () => {
    const whole = fixture('none.bin');
    const size = 12 + whole.readInt32BE(8);
    const list = new WireRecordList();
    expect(readRecordBatches(whole.subarray(0, size - 20), 0, list)).toEqual({
      next: 0,
      controlRecords: 0,
      abortedRecords: 0,
      incomplete: { offset: 0, size, received: size - 20 },
    });
    expect(list.length).toBe(0);
  });

  it('reports an unknown size when even the batch length was cut off', () => {
    const b = batch(['x'], 7);
    expect(readRecordBatches(b.subarray(0, 10), 7, new WireRecordList()).incomplete).toEqual({ offset: 7, size: null, received: 10 });
    expect(readRecordBatches(b.subarray(0, 14), 7, new WireRecordList()).incomplete).toEqual({ offset: 7, size: b.length, received: 14 });
  });
});

describe('nextOffset: where the next fetch starts, from batch headers alone', () => {
  it('is what reading the batches returns as next, for every fixture, from several offsets, and for batches cut short', () => {
    for (const name of ['none.bin', 'gzip.bin', 'snappy.bin', 'lz4.bin', 'zstd.bin', 'idempotent.bin', 'transactions.bin']) {
      const records = fixture(name);
      for (const from of [0, 1, 5, 8, 100]) {
        expect(nextOffset(records, from), `${name} from ${from}`).toBe(readRecordBatches(records, from, new WireRecordList()).next);
      }
      for (const cut of [10, 30, 70, records.length - 1]) {
        const part = records.subarray(0, cut);
        expect(nextOffset(part, 0), `${name} cut at ${cut}`).toBe(readRecordBatches(part, 0, new WireRecordList()).next);
      }
    }
  });
});

describe('WireRecordList', () => {
  it('gives records as positions in the fetched bytes, and message(i) copies so a reused fetch buffer cannot change it', () => {
    const records = batch(['first', 'second'], 40);
    const list = new WireRecordList(1); // grows past its capacity
    readRecordBatches(records, 0, list);
    expect(list.length).toBe(2);
    expect(list.offset(1)).toBe(41);
    const v = list.valueBytes(1).toString('utf8', list.valueStart(1), list.valueStart(1) + list.valueLength(1));
    expect(v).toBe('second');
    const message = list.message(1);
    records.fill(0);
    expect(text(message.value)).toBe('second');
    expect(message.offset).toBe('41');
    expect(() => list.offset(2)).toThrow(RangeError);
    list.clear();
    expect(list.length).toBe(0);
  });
});
