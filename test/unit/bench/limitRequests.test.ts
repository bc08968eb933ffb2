import { describe, expect, it } from 'vitest';
import { countRecords, produceBody, stampSequences, type LimitSettings } from '../../../bench/suite/limitRequests.js';
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
