import { codecId, compress, type CompressionCodec } from './compression.js';
import { crc32c } from './crc32c.js';
import { Writer } from './codec.js';
import type { ValueList } from '../engine.js';

export interface RecordBatchOptions {
  /** Default none. */
  codec?: CompressionCodec;
  /** Idempotent (and transactional) producers: the id and epoch InitProducerId gave, and the partition's next sequence. Default -1 each. */
  producerId?: bigint | number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Sets the transactional bit (attributes bit 4); only meaningful with a producer id inside a transaction. */
  transactional?: boolean;
}

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

function recordBodySize(offsetDelta: number, valueLength: number): number {
  // attributes + timestampDelta(0) + offsetDelta + key length(-1) + value length + value + header count(0)
  return 1 + 1 + varintSize(offsetDelta) + 1 + varintSize(valueLength) + valueLength + 1;
}

function recordSize(offsetDelta: number, valueLength: number): number {
  const body = recordBodySize(offsetDelta, valueLength);
  return varintSize(body) + body;
}

/**
 * The first offsetDelta of the next run of records whose offsetDelta varint
 * is one byte longer: within a run, records of one value size are laid out
 * alike.
 */
function nextLayoutAt(offsetDelta: number): number {
  let end = 64; // zigzag: 6 bits in the first byte, 7 in each next
  while (end <= offsetDelta) end *= 128;
  return end;
}

function recordsSize(values: ValueList): number {
  let size = 0;
  if (values.patchTo) {
    const length = values.length > 0 ? values.sizeOf(0) : 0;
    for (let i = 0; i < values.length;) {
      const end = Math.min(values.length, nextLayoutAt(i));
      size += (end - i) * recordSize(i, length);
      i = end;
    }
    return size;
  }
  for (let i = 0; i < values.length; i++) size += recordSize(i, values.sizeOf(i));
  return size;
}

/**
 * Keyless, headerless records, all at the batch's timestamp; the caller
 * reserved `size` bytes of room. The room is zeroed in one call first, so
 * each value writes only its non-zero bytes (a load test's padding is
 * zeros), and bytes are stored directly rather than through Writer's checked
 * methods (a method call and a bounds check per field showed at 100-byte
 * records).
 */
function writeRecords(w: Writer, values: ValueList, size: number): void {
  if (values.patchTo) {
    writeAlikeRecords(w, values);
    return;
  }
  const buf = w.buf;
  let pos = w.pos;
  buf.fill(0, pos, pos + size);
  for (let i = 0; i < values.length; i++) pos = writeRecord(buf, pos, i, values, values.sizeOf(i));
  w.pos = pos;
}

/** Record i at pos, whose bytes are zero; returns the position after it. */
function writeRecord(buf: Buffer, pos: number, i: number, values: ValueList, length: number): number {
  pos = putVarint(buf, pos, recordBodySize(i, length));
  pos += 2; // attributes 0, timestampDelta 0
  pos = putVarint(buf, pos, i); // offsetDelta
  buf[pos++] = 1; // key length -1 (null), zigzag encoded
  pos = putVarint(buf, pos, length);
  values.writeTo(i, buf, pos);
  return pos + length + 1; // no headers
}

/**
 * Values of one size that differ in a few bytes (ValueList.patchTo): per run
 * of records laid out alike, the first is written, copied over the run in
 * doubling native copies, and each copy patched (its offsetDelta and what
 * its value has of its own).
 */
function writeAlikeRecords(w: Writer, values: ValueList): void {
  const buf = w.buf;
  const length = values.length > 0 ? values.sizeOf(0) : 0;
  let pos = w.pos;
  for (let first = 0; first < values.length;) {
    const end = Math.min(values.length, nextLayoutAt(first));
    const each = recordSize(first, length);
    buf.fill(0, pos, pos + each);
    writeRecord(buf, pos, first, values, length);
    const count = end - first;
    for (let copied = 1; copied < count; copied *= 2) {
      buf.copyWithin(pos + copied * each, pos, pos + Math.min(copied, count - copied) * each);
    }
    const deltaAt = varintSize(recordBodySize(first, length)) + 2;
    const valueAt = deltaAt + varintSize(first) + 1 + varintSize(length);
    for (let i = first + 1, at = pos + each; i < end; i++, at += each) {
      putVarint(buf, at + deltaAt, i);
      values.patchTo?.(i, first, buf, at + valueAt);
    }
    pos += count * each;
    first = end;
  }
  w.pos = pos;
}

/** A non-negative varint (zigzag encoded) at pos; returns the position after it. */
function putVarint(buf: Buffer, pos: number, v: number): number {
  let z = v * 2;
  while (z > 0x7f) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[pos++] = z;
  return pos;
}

/** Compressed batches are built here first; kept between calls, dropped when one huge batch grew it. */
let scratch = new Writer(64 * 1024);
const SCRATCH_KEEP = 8 * 1024 * 1024;

/**
 * Appends one RecordBatch (magic 2) holding `values` as keyless, headerless
 * records, all stamped `timestampMs`. Uncompressed, the records (values
 * included) are written straight into the request being built: no object or
 * copy per record, one CRC-32C pass over the batch. Compressed, they are
 * written into a reused scratch buffer first and the compressed bytes are
 * copied in.
 */
export function writeRecordBatch(w: Writer, values: ValueList, timestampMs: number, options?: RecordBatchOptions): void {
  const codec = options?.codec ?? 'none';
  const size = recordsSize(values);
  let body: Buffer | undefined;
  if (codec !== 'none') {
    scratch.pos = 0;
    scratch.ensure(size + 8); // + slack: varint() asks for 5 bytes even when it writes 1
    writeRecords(scratch, values, size);
    body = compress(codec, scratch.result());
    if (scratch.buf.length > SCRATCH_KEEP) scratch = new Writer(64 * 1024);
  }
  const batchLength = 49 + (body ? body.length : size); // from partitionLeaderEpoch to the end
  w.ensure(12 + batchLength + 8);
  w.int64(0); // baseOffset: the broker assigns offsets
  w.int32(batchLength);
  w.int32(-1); // partitionLeaderEpoch
  w.int8(2); // magic
  const crcAt = w.pos;
  w.uint32(0);
  const crcFrom = w.pos;
  // attributes: codec in bits 0-2, CreateTime (bit 3 clear), transactional bit 4
  w.int16((body ? codecId(codec) : 0) | (options?.transactional ? 0x10 : 0));
  w.int32(values.length - 1); // lastOffsetDelta
  w.int64(timestampMs); // baseTimestamp
  w.int64(timestampMs); // maxTimestamp
  const producerId = options?.producerId ?? -1;
  w.buf.writeBigInt64BE(typeof producerId === 'bigint' ? producerId : BigInt(producerId), w.pos);
  w.pos += 8;
  w.int16(options?.producerEpoch ?? -1);
  w.int32(options?.baseSequence ?? -1);
  w.int32(values.length);
  if (body) {
    body.copy(w.buf, w.pos);
    w.pos += body.length;
  } else {
    writeRecords(w, values, size);
  }
  w.buf.writeUInt32BE(crc32c(w.buf, crcFrom, w.pos), crcAt);
}
