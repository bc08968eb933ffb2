import { describe, expect, it } from 'vitest';
import { countRecords, FetchCursor, fetchShares, produceBody, stampSequences, type LimitSettings } from '../../../bench/suite/limitRequests.js';
import { defined } from '../../../src/defined.js';
import { readRecordBatches } from '../../../src/engine/wire/recordBatchReader.js';
import { WireRecordList } from '../../../src/engine/wire/recordList.js';
import { crc32c } from '../../../src/engine/wire/crc32c.js';

const settings: LimitSettings = {
  mode: 'produce',
  checkCrcs: false,
  connection: { brokers: ['127.0.0.1:9092'], securityProtocol: 'PLAINTEXT', clientId: 'test', timeoutMs: 1000 },
  topic: 't',
  partitions: 3,
  recordSize: 100,
  recordsPerBatch: 40,
  idempotent: true,
  inFlight: 1,
  seconds: 1,
  partitionMaxBytes: 1 << 20,
  maxBytes: 1 << 24,
};

/** The record batches of partition i of a request body, with the base offset a broker would give them. */
function batchOf(body: Buffer, at: number): Buffer {
  const b = Buffer.from(body.subarray(at, at + 12 + body.readInt32BE(at + 8)));
  b.writeBigInt64BE(500n, 0);
  return b;
}

describe('limit replay requests', () => {
  it('stamps the next sequence per partition into a copy and seals each batch with a CRC the reader accepts', () => {
    const built = produceBody(settings, [0, 1, 2], { id: 4242n, epoch: 3 });
    expect(built.records).toBe(120);
    expect(built.batchAt).toHaveLength(3);
    const body = Buffer.from(built.body);
    const next = [0, 0, 0];
    stampSequences(body, built.batchAt, next, settings.recordsPerBatch);
    stampSequences(body, built.batchAt, next, settings.recordsPerBatch);
    expect(next).toEqual([80, 80, 80]);
    for (const at of built.batchAt) {
      const batch = batchOf(body, at);
      expect(batch.readInt32BE(53)).toBe(40); // the second send's base sequence
      expect(batch.readBigInt64BE(43)).toBe(4242n);
      expect(batch.readUInt32BE(17)).toBe(crc32c(batch, 21, batch.length));
      const list = new WireRecordList();
      readRecordBatches(batch, 500, list);
      expect(list.length).toBe(40);
      expect(countRecords(batch)).toBe(40);
    }
  });

  it('wraps a sequence past the largest int32 to 0, as Kafka expects', () => {
    const built = produceBody(settings, [0], { id: 1n, epoch: 0 });
    const next = [0x7fff_fff0];
    stampSequences(built.body, built.batchAt, next, 40);
    expect(next).toEqual([0x7fff_fff0 + 40 - 0x8000_0000]);
  });

  it('the CRC-checking fetch replay counts what the plain one counts, and refuses a batch whose bytes changed', () => {
    const built = produceBody(settings, [0, 1, 2], { id: 7n, epoch: 0 });
    const records = Buffer.concat(built.batchAt.map((at) => batchOf(built.body, at)));
    expect(countRecords(records, true)).toBe(120);
    expect(countRecords(records, true)).toBe(countRecords(records));
    // a batch cut short at the end is left for the next fetch by both
    expect(countRecords(records.subarray(0, records.length - 5), true)).toBe(80);
    const flipped = Buffer.from(records);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 3) ^ 1, flipped.length - 3);
    expect(() => countRecords(flipped, true)).toThrow('CRC mismatch in the batch at offset 500');
  });
});

describe('limit fetch replay cursor', () => {
  const fetchSettings: LimitSettings = { ...settings, mode: 'fetch', partitionMaxBytes: 2 << 20, maxBytes: 16 << 20 };

  /** Positions a request body asks for: [partition, offset] in order (v5 layout, one topic). */
  function asked(body: Buffer): [number, number][] {
    let at = 4 + 4 + 4 + 4 + 1 + 4;
    at += 2 + body.readInt16BE(at);
    const n = body.readInt32BE(at);
    at += 4;
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++, at += 4 + 8 + 8 + 4) out.push([body.readInt32BE(at), Number(body.readBigInt64BE(at + 4))]);
    return out;
  }

  /** `count` batches of 40 records from base offset `from`, as a fetch response would hold them. */
  function batchesFrom(from: number, count: number): Buffer {
    const built = produceBody(settings, [0], undefined);
    const one = built.body.subarray(defined(built.batchAt[0]));
    return Buffer.concat(
      Array.from({ length: count }, (_, i) => {
        const b = Buffer.from(one);
        b.writeBigInt64BE(BigInt(from + 40 * i), 0);
        return b;
      }),
    );
  }

  it('reads each partition on from where its last complete batch ended, and wraps to the log start at its end', () => {
    const cursor = new FetchCursor(fetchSettings, [3, 7]);
    expect(asked(cursor.body())).toEqual([
      [3, 0],
      [7, 0],
    ]);
    const two = batchesFrom(0, 2);
    cursor.advance(3, two, 0);
    cursor.advance(7, two.subarray(0, two.length - 10), 0); // second batch cut short: read again next time
    expect(asked(cursor.body())).toEqual([
      [3, 80],
      [7, 40],
    ]);
    cursor.advance(3, Buffer.alloc(0), 12); // at its end: back to where the log starts
    cursor.advance(7, null, 0);
    expect(asked(cursor.body())).toEqual([
      [3, 12],
      [7, 0],
    ]);
    expect(() => cursor.advance(5, two, 0)).toThrow('partition 5 was not in this fetch');
  });

  it("deals a leader's partitions round-robin to the fetch loops, never an empty share", () => {
    expect(fetchShares([0, 1, 2, 3, 4, 5], 2)).toEqual([
      [0, 2, 4],
      [1, 3, 5],
    ]);
    expect(fetchShares([4], 2)).toEqual([[4]]);
  });
});
