import { crc32c } from './crc32c.js';
import type { Writer } from './codec.js';

/** Bytes a varint of v takes (zigzag encoded). */
function varintSize(v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (z > 0x7f) {
    z >>>= 7;
    n++;
  }
  return n;
}

/** The idempotent producer's stamp on a batch; absent fields mean "not idempotent" (-1). */
export interface BatchProducerFields {
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

/**
 * Appends one uncompressed RecordBatch (magic 2) holding `values` as keyless,
 * headerless records, all stamped `timestampMs`, straight into the request
 * being built: no object per record, one CRC-32C pass over the batch.
 */
export function writeRecordBatch(w: Writer, values: Buffer[], timestampMs: number, producer: BatchProducerFields = {}): void {
  let recordsSize = 0;
  for (let i = 0; i < values.length; i++) {
    const body = recordBodySize(i, values[i]!.length);
    recordsSize += varintSize(body) + body;
  }
  const batchLength = 49 + recordsSize; // from partitionLeaderEpoch to the end
  w.ensure(12 + batchLength + 8); // + slack: varint() asks for 5 bytes even when it writes 1
  w.int64(0); // baseOffset: the broker assigns offsets
  w.int32(batchLength);
  w.int32(-1); // partitionLeaderEpoch
  w.int8(2); // magic
  const crcAt = w.pos;
  w.uint32(0);
  const crcFrom = w.pos;
  w.int16(0); // attributes: no compression, CreateTime, not transactional
  w.int32(values.length - 1); // lastOffsetDelta
  w.int64(timestampMs); // baseTimestamp
  w.int64(timestampMs); // maxTimestamp
  w.int64(producer.producerId ?? -1);
  w.int16(producer.producerEpoch ?? -1);
  w.int32(producer.baseSequence ?? -1);
  w.int32(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    w.varint(recordBodySize(i, value.length));
    w.int8(0); // attributes
    w.varint(0); // timestampDelta
    w.varint(i); // offsetDelta
    w.varint(-1); // key: null
    w.varint(value.length);
    value.copy(w.buf, w.pos);
    w.pos += value.length;
    w.varint(0); // headers
  }
  w.buf.writeUInt32BE(crc32c(w.buf, crcFrom, w.pos), crcAt);
}

function recordBodySize(offsetDelta: number, valueLength: number): number {
  // attributes + timestampDelta(0) + offsetDelta + key length(-1) + value length + value + header count(0)
  return 1 + 1 + varintSize(offsetDelta) + 1 + varintSize(valueLength) + valueLength + 1;
}
