import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/engine/wire/crc32c.js';
import { readRecordBatches } from '../../../src/engine/wire/recordBatchReader.js';
import { WireRecordList } from '../../../src/engine/wire/recordList.js';
import { recordScanner, recordScannerBuilt, useRecordScanner } from '../../../src/engine/wire/recordScanner.js';
import { messagesOf } from '../../../src/engine/messageList.js';
import { defined } from '../../../src/defined.js';

/** Zigzag varint, as Kafka writes record fields. */
function varint(n: number): Buffer {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const bytes: number[] = [];
  while (z >= 0x80) {
    bytes.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  bytes.push(z);
  return Buffer.from(bytes);
}

interface TestRecord {
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

function encodeRecord(r: TestRecord): Buffer {
  const bytesOf = (b: Buffer | null): Buffer[] => (b === null ? [varint(-1)] : [varint(b.length), b]);
  const body = Buffer.concat([
    Buffer.from([0]), // attributes
    varint(7), // timestampDelta
    varint(r.offsetDelta),
    ...bytesOf(r.key),
    ...bytesOf(r.value),
    varint(r.headers.length),
    ...r.headers.flatMap((h) => [varint(Buffer.byteLength(h.key)), Buffer.from(h.key), ...bytesOf(h.value)]),
  ]);
  return Buffer.concat([varint(body.length), body]);
}

/** A magic-2 batch of these records at `baseOffset`, sealed with its CRC. */
function batchOf(records: TestRecord[], baseOffset: number): Buffer {
  const body = Buffer.concat(records.map(encodeRecord));
  const b = Buffer.alloc(61 + body.length);
  b.writeBigInt64BE(BigInt(baseOffset), 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt8(2, 16);
  b.writeInt32BE(Math.max(...records.map((r) => r.offsetDelta)), 23);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(records.length, 57);
  body.copy(b, 61);
  return seal(b);
}

function seal(b: Buffer): Buffer {
  b.writeUInt32BE(crc32c(b, 21, b.length), 17);
  return b;
}

/** Deterministic, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    return s / 0x1_0000_0000;
  };
}

/** Records of every shape; `small` keeps fields short, so that damage mostly hits lengths and counts. */
function someRecords(rand: () => number, count: number, small = false): TestRecord[] {
  const bytes = (max: number): Buffer => Buffer.alloc(Math.floor(rand() * (small ? Math.min(max, 4) : max)), Math.floor(rand() * 256));
  return Array.from({ length: count }, (_, i) => ({
    offsetDelta: i,
    key: rand() < 0.3 ? null : bytes(40),
    value: rand() < 0.1 ? null : bytes(rand() < 0.05 ? 20_000 : 300),
    headers: rand() < 0.5 ? [] : Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, h) => ({ key: `h${h}`, value: rand() < 0.2 ? null : bytes(30) })),
  }));
}

/** What reading gives, as plain data: the records and the result, or the error's message. */
function outcome(records: Buffer, fromOffset: number, native: boolean): unknown {
  useRecordScanner(native);
  const list = new WireRecordList();
  try {
    const result = readRecordBatches(records, fromOffset, list);
    return {
      result,
      records: messagesOf(list).map((m) => [
        m.offset,
        m.key?.toString('hex'),
        m.value?.toString('hex'),
        m.recordHeaders?.map((h) => [h.key, h.value?.toString('hex')]),
      ]),
    };
  } catch (err) {
    expect(list.length).toBe(0);
    return { error: (err as Error).message };
  }
}

afterEach(() => useRecordScanner(true));

describe('native record scanner', () => {
  it('is built on this machine (x86-64 with a C compiler), so the consumer uses it', () => {
    expect(recordScannerBuilt).toBe(true);
  });

  it('decodes keys, values, null fields and headers exactly as the TypeScript walk does, from any offset', () => {
    const rand = random(1);
    const records = Buffer.concat([batchOf(someRecords(rand, 40), 1000), batchOf(someRecords(rand, 300), 1040), batchOf(someRecords(rand, 17), 1340)]);
    for (const from of [0, 1000, 1001, 1039, 1040, 1200, 1356, 1357]) {
      const native = outcome(records, from, true);
      expect(native).toEqual(outcome(records, from, false));
      expect(native).toHaveProperty('records');
    }
    expect((outcome(records, 1000, true) as { records: unknown[] }).records).toHaveLength(357);
  });

  it('writes the records into the list arrays and returns how many; -1 when a record does not add up', () => {
    const scan = defined(recordScanner());
    const b = batchOf(someRecords(random(2), 20), 50);
    const fields = new Int32Array(6 * 32);
    const offsets = new Float64Array(32);
    expect(scan(b, 61, b.length, 20, 50, 55, 3, fields, offsets, 2)).toBe(15);
    expect(Array.from(offsets.subarray(2, 17))).toEqual(Array.from({ length: 15 }, (_, i) => 55 + i));
    expect(fields[2 * 6]).toBe(3); // the body index
    expect(scan(b, 61, b.length, 21, 50, 0, 0, fields, offsets, 0)).toBe(-1); // one record more than there are
    expect(scan(b, 61, b.length - 1, 20, 50, 0, 0, fields, offsets, 0)).toBe(-1); // the last record cut short
    expect(scan(b, 61, b.length, 20, 50, 0, 0, fields, offsets, 30)).toBe(-1); // no room for them
    expect(() => scan(b, 61, b.length + 1, 20, 50, 0, 0, fields, offsets, 0)).toThrow(RangeError);
  });

  it('on any damaged record section (CRC resealed) reads what the TypeScript walk reads, or fails with its message', () => {
    const rand = random(3);
    const clean = batchOf(someRecords(rand, 24, true), 0);
    let failures = 0;
    for (let trial = 0; trial < 600; trial++) {
      const b = Buffer.from(clean);
      const flips = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++) {
        const at = 61 + Math.floor(rand() * (b.length - 61));
        b[at] = rand() < 0.5 ? defined(b[at]) ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
      }
      seal(b);
      const native = outcome(b, 0, true);
      expect(native, `trial ${trial}`).toEqual(outcome(b, 0, false));
      if ('error' in (native as object)) failures++;
    }
    expect(failures).toBeGreaterThan(200); // the damage reached lengths and counts, and both walks refused it alike
  });
});

describe('native record scanner on batches the Java client wrote', () => {
  const fixtures = new URL('../../fixtures/batches/', import.meta.url);
  // test/fixtures/batches/README.md: two batches of 40 records by kafka-clients' MemoryRecordsBuilder, the second lz4 with offset gaps.
  const many = readFileSync(new URL('many.bin', fixtures));
  type JavaRecord = { offset: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] };
  const written = (JSON.parse(readFileSync(new URL('records.json', fixtures), 'utf8')) as { many: JavaRecord[] }).many;
  const text = (b: Buffer | null | undefined): string | null => (b == null ? null : b.toString());

  it('takes the uncompressed batch whole: none of its records is left to the TypeScript walk', () => {
    const scan = defined(recordScanner());
    const count = many.readInt32BE(57);
    expect(count).toBe(40);
    const fields = new Int32Array(6 * count);
    const offsets = new Float64Array(count);
    expect(scan(many, 61, 12 + many.readInt32BE(8), count, 0, 0, 0, fields, offsets, 0)).toBe(count);
    expect(Array.from(offsets)).toEqual(written.slice(0, 40).map((r) => r.offset));
  });

  it('reads both batches as Java wrote them, keys, nulls, headers and all', () => {
    const list = new WireRecordList();
    expect(readRecordBatches(many, 0, list)).toEqual({ next: 119, controlRecords: 0, abortedRecords: 0 });
    const read = messagesOf(list).map((m) => ({
      offset: Number(m.offset),
      key: text(m.key),
      value: text(m.value),
      headers: (m.recordHeaders ?? []).map((h) => ({ key: h.key, value: text(h.value) })),
    }));
    expect(read).toEqual(written.map(({ offset, key, value, headers }) => ({ offset, key, value, headers })));
  });

  it('reads them as the TypeScript walk does from any offset, a gap between records included', () => {
    for (const from of [0, 1, 16, 39, 40, 41, 42, 100, 117, 118]) {
      const native = outcome(many, from, true);
      expect(native).toEqual(outcome(many, from, false));
      expect(native).toHaveProperty('records');
    }
  });
});
