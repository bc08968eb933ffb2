import { randomBytes } from 'node:crypto';
import { BINARY_HEADER_SIZE, type PayloadFormat } from '../config/payloadFormat.js';

/**
 * Message values, built from a per-producer template so the send loop never
 * calls JSON.stringify or allocates per message beyond one buffer per batch.
 *
 * json (default): the JSON object client.py sends, same keys in the same order
 *   and Python's separators, so either side reads the other's messages:
 *   {"timestamp": 1795550803.176123, "_id": "<32 hex>", "origin": "...", "content": "Message #7"}
 *   `timestamp` is the send time (epoch seconds, microsecond precision) and the
 *   `_id` is the producer id (16 hex, starting 6b746301 = "ktc\x01") followed by
 *   the sequence number (16 hex): everything the consumer needs to measure
 *   end-to-end latency and find lost, duplicated or reordered messages. With
 *   --record-size the object is padded with spaces before its closing brace.
 * binary: for records too small for that JSON (e.g. 100 B benchmarks):
 *   "ktc" 0x02 | producer id (8) | sequence (8, big-endian) | send time µs (8, float) | zero padding.
 */

const MARKER = Buffer.from('ktc\x01', 'latin1');
const BINARY_MAGIC = Buffer.from('ktc\x02', 'latin1');

const JSON_HEAD = Buffer.from('{"timestamp": ', 'latin1');
const TIMESTAMP_WIDTH = 17; // 10 digits . 6 digits, good until the year 2286
const JSON_ID_KEY = Buffer.from(', "_id": "', 'latin1');
const ID_OFFSET = JSON_HEAD.length + TIMESTAMP_WIDTH + JSON_ID_KEY.length;
const CONTENT_KEY = ', "content": "Message #';
const JSON_TAIL = Buffer.from('"}', 'latin1');

const HEX = Buffer.from('0123456789abcdef', 'latin1');

export function newProducerId(): Buffer {
  return Buffer.concat([MARKER, randomBytes(4)]);
}

function writeDigits(buf: Buffer, offset: number, value: number, width: number): void {
  for (let i = offset + width - 1; i >= offset; i--) {
    buf[i] = 48 + (value % 10);
    value = Math.floor(value / 10);
  }
}

function digitCount(value: number): number {
  let n = 1;
  while (value >= 10) {
    value = Math.floor(value / 10);
    n++;
  }
  return n;
}

function writeHex16(buf: Buffer, offset: number, value: number): void {
  let high = Math.floor(value / 0x1_0000_0000);
  let low = value >>> 0;
  for (let i = offset + 15; i >= offset + 8; i--) {
    buf[i] = HEX[low & 15]!;
    low >>>= 4;
  }
  for (let i = offset + 7; i >= offset; i--) {
    buf[i] = HEX[high & 15]!;
    high >>>= 4;
  }
}

function writeTimestamp(buf: Buffer, offset: number, epochMicros: number): void {
  const micros = Math.round(epochMicros);
  const seconds = Math.floor(micros / 1_000_000);
  writeDigits(buf, offset, seconds, 10);
  buf[offset + 10] = 46; // '.'
  writeDigits(buf, offset + 11, micros - seconds * 1_000_000, 6);
}

export interface EncoderOptions {
  format: PayloadFormat;
  origin: string;
  producerId: Buffer;
  /** Exact size of every value; absent = as long as the JSON needs (client.py's behaviour). */
  recordSize?: number;
}

export class PayloadEncoder {
  private readonly producerId: Buffer;
  private readonly producerHex: Buffer;
  private readonly originAndContent: Buffer; // `", "origin": "...", "content": "Message #`

  constructor(private readonly options: EncoderOptions) {
    this.producerId = options.producerId;
    this.producerHex = Buffer.from(options.producerId.toString('hex'), 'latin1');
    this.originAndContent = Buffer.from(`", "origin": ${JSON.stringify(options.origin)}${CONTENT_KEY}`, 'utf8');
    if (options.format === 'binary' && options.recordSize !== undefined && options.recordSize < BINARY_HEADER_SIZE) {
      throw new RangeError(`record size ${options.recordSize} is below the ${BINARY_HEADER_SIZE}-byte binary header`);
    }
  }

  private jsonLength(seq: number): number {
    return ID_OFFSET + 32 + this.originAndContent.length + digitCount(seq) + JSON_TAIL.length;
  }

  /** Size of the value for `seq`; constant when --record-size is set. */
  sizeOf(seq: number): number {
    if (this.options.recordSize !== undefined) return this.options.recordSize;
    return this.options.format === 'binary' ? BINARY_HEADER_SIZE : this.jsonLength(seq);
  }

  /**
   * Values for sequence numbers first..first+count-1, all stamped with one
   * send time, carved out of a single allocation (kafkajs copies them later,
   * so each batch needs its own memory).
   */
  encodeBatch(firstSeq: number, count: number, sentAtMicros: number): Buffer[] {
    let total = 0;
    for (let i = 0; i < count; i++) total += this.sizeOf(firstSeq + i);
    const memory = Buffer.allocUnsafe(total);
    const values = new Array<Buffer>(count);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const seq = firstSeq + i;
      const size = this.sizeOf(seq);
      const value = memory.subarray(offset, offset + size);
      if (this.options.format === 'json') this.writeJson(value, seq, sentAtMicros);
      else this.writeBinary(value, seq, sentAtMicros);
      values[i] = value;
      offset += size;
    }
    return values;
  }

  private writeJson(value: Buffer, seq: number, sentAtMicros: number): void {
    let o = JSON_HEAD.copy(value, 0);
    writeTimestamp(value, o, sentAtMicros);
    o += TIMESTAMP_WIDTH;
    o += JSON_ID_KEY.copy(value, o);
    o += this.producerHex.copy(value, o);
    writeHex16(value, o, seq);
    o += 16;
    o += this.originAndContent.copy(value, o);
    const digits = digitCount(seq);
    writeDigits(value, o, seq, digits);
    o += digits;
    // Padding goes inside the object, before the closing brace: still valid JSON.
    const end = value.length - 1;
    value[o++] = 34; // '"'
    if (o > end) throw new RangeError(`record size ${value.length} is too small for this JSON message`);
    value.fill(32, o, end);
    value[end] = 125; // '}'
  }

  private writeBinary(value: Buffer, seq: number, sentAtMicros: number): void {
    BINARY_MAGIC.copy(value, 0);
    this.producerId.copy(value, 4);
    value.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 12);
    value.writeUInt32BE(seq >>> 0, 16);
    value.writeDoubleBE(sentAtMicros, 20);
    value.fill(0, BINARY_HEADER_SIZE);
  }
}

/** What a consumed value is; 'null': the record has no value (a tombstone), counted apart from foreign bytes. */
export type RecordKind = 'ktc' | 'json' | 'foreign' | 'null';

/** Reused by the caller across messages: the consumer decodes without allocating a result per record. */
export interface DecodedRecord {
  producerId: string;
  seq: number;
  sentAtMicros: number;
}

export function newDecodedRecord(): DecodedRecord {
  return { producerId: '', seq: 0, sentAtMicros: 0 };
}

function startsWith(value: Buffer, prefix: Buffer, at = 0): boolean {
  if (value.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (value[at + i] !== prefix[i]) return false;
  return true;
}

function readDigits(value: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = value[i]! - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

function readHex(value: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = value[i]!;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return Number.NaN;
    n = n * 16 + d;
  }
  return n;
}

function isJsonObject(value: Buffer): boolean {
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

/**
 * The producer id as a string, converted only when it differs from the last
 * one: consecutive records nearly always come from the same producer, and a
 * string per record was a tenth of the consumer's time at 100-byte records.
 */
class IdCache {
  private bytes = Buffer.alloc(0);
  private text = '';

  constructor(private readonly encoding: 'hex' | 'latin1') {}

  get(value: Buffer, start: number, end: number): string {
    const n = end - start;
    let same = this.bytes.length === n;
    for (let i = 0; same && i < n; i++) same = this.bytes[i] === value[start + i];
    if (!same) {
      this.bytes = Buffer.from(value.subarray(start, end));
      this.text = value.toString(this.encoding, start, end);
    }
    return this.text;
  }
}

const binaryIds = new IdCache('hex');
const jsonIds = new IdCache('latin1');

/**
 * Classifies a consumed value: ktc's own (tracking fields decoded into `out`),
 * another JSON object (client.py's messages), foreign bytes, or no value at all (a tombstone).
 */
export function decodeRecord(value: Buffer | null, out: DecodedRecord): RecordKind {
  if (value === null) return 'null';
  if (startsWith(value, BINARY_MAGIC) && value.length >= BINARY_HEADER_SIZE) {
    out.producerId = binaryIds.get(value, 4, 12);
    out.seq = value.readUInt32BE(12) * 0x1_0000_0000 + value.readUInt32BE(16);
    out.sentAtMicros = value.readDoubleBE(20);
    return 'ktc';
  }
  if (startsWith(value, JSON_HEAD) && startsWith(value, JSON_ID_KEY, JSON_HEAD.length + TIMESTAMP_WIDTH)) {
    const markerHex = value.toString('latin1', ID_OFFSET, ID_OFFSET + 8);
    if (markerHex === '6b746301') {
      const t = JSON_HEAD.length;
      const seconds = readDigits(value, t, t + 10);
      const micros = readDigits(value, t + 11, t + 17);
      const seq = readHex(value, ID_OFFSET + 16, ID_OFFSET + 32);
      if (!Number.isNaN(seconds) && !Number.isNaN(micros) && !Number.isNaN(seq)) {
        out.producerId = jsonIds.get(value, ID_OFFSET, ID_OFFSET + 16);
        out.seq = seq;
        out.sentAtMicros = seconds * 1_000_000 + micros;
        return 'ktc';
      }
    }
  }
  return isJsonObject(value) ? 'json' : 'foreign';
}
