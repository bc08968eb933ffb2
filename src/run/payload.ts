import { randomBytes } from 'node:crypto';
import { BINARY_HEADER_SIZE, type PayloadFormat } from '../config/payloadFormat.js';
import type { ValueList } from '../engine/engine.js';

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
const BINARY_MAGIC_WORD = BINARY_MAGIC.readInt32BE(0);

const JSON_HEAD = Buffer.from('{"timestamp": ', 'latin1');
const TIMESTAMP_WIDTH = 17; // 10 digits . 6 digits, good until the year 2286
const JSON_ID_KEY = Buffer.from(', "_id": "', 'latin1');
const ID_OFFSET = JSON_HEAD.length + TIMESTAMP_WIDTH + JSON_ID_KEY.length;
/** A ktc JSON value is at least its head, producer id and sequence number. */
const JSON_MIN_LENGTH = ID_OFFSET + 32;
/** Words that cover the head through the producer id (and a few sequence digits): what values of one send share. */
const JSON_PREFIX_WORDS = Math.ceil((ID_OFFSET + 16) / 4);
const MARKER_HEX = Buffer.from(MARKER.toString('hex'), 'latin1');
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
  private readonly producerHex: Buffer;
  private readonly originAndContent: Buffer; // `", "origin": "...", "content": "Message #`
  /** The binary format's first 12 bytes: magic and producer id. */
  private readonly binaryHead: Buffer;

  constructor(private readonly options: EncoderOptions) {
    this.producerHex = Buffer.from(options.producerId.toString('hex'), 'latin1');
    this.binaryHead = Buffer.concat([BINARY_MAGIC, options.producerId]);
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
   * send time. They are written where the engine wants them (straight into
   * its request) and built again, byte for byte, on a retry: no memory and
   * no object per value. Throws a RangeError here, not in the engine, when
   * --record-size is too small for a JSON value of these sequence numbers.
   */
  encodeBatch(firstSeq: number, count: number, sentAtMicros: number): ValueList {
    if (this.options.format === 'binary') return new BinaryValueList(this.binaryHead, this.sizeOf(0), firstSeq, count, sentAtMicros);
    const size = this.options.recordSize;
    // The last value has the most digits in "Message #N".
    if (size !== undefined && count > 0 && this.jsonLength(firstSeq + count - 1) > size) {
      throw new RangeError(`record size ${size} is too small for this JSON message`);
    }
    const head = this.jsonHead(sentAtMicros);
    return size === undefined ? new JsonValueList(this, firstSeq, count, head) : new FixedSizeJsonValueList(this, firstSeq, count, head);
  }

  /**
   * What every JSON value sent at `sentAtMicros` begins with, up to the
   * sequence number: `{"timestamp": <send time>, "_id": "<producer id>`.
   * Built once per batch; formatting the time per value was a third of the
   * encoding.
   */
  jsonHead(sentAtMicros: number): Buffer {
    const head = Buffer.allocUnsafe(ID_OFFSET + this.producerHex.length);
    head.set(JSON_HEAD, 0);
    writeTimestamp(head, JSON_HEAD.length, sentAtMicros);
    head.set(JSON_ID_KEY, JSON_HEAD.length + TIMESTAMP_WIDTH);
    head.set(this.producerHex, ID_OFFSET);
    return head;
  }

  /**
   * Turns the JSON value of `fromSeq` at buf[start] into that of `seq`, both
   * `size` bytes with one `head`: only the sequence number's hex and digits
   * differ while the digits are as many; otherwise the value is written whole.
   */
  patchJson(buf: Buffer, start: number, size: number, seq: number, fromSeq: number, head: Buffer): void {
    const digits = digitCount(seq);
    if (digits !== digitCount(fromSeq)) {
      this.writeJson(buf, start, size, seq, head);
      return;
    }
    const hexAt = start + head.length;
    writeHex16(buf, hexAt, seq);
    writeDigits(buf, hexAt + 16 + this.originAndContent.length, seq, digits);
  }

  /** Writes the JSON value of `seq`, `size` bytes (padded with spaces), at buf[start]; `head` is jsonHead()'s. */
  writeJson(buf: Buffer, start: number, size: number, seq: number, head: Buffer): void {
    buf.set(head, start);
    let o = start + head.length;
    writeHex16(buf, o, seq);
    o += 16;
    buf.set(this.originAndContent, o);
    o += this.originAndContent.length;
    const digits = digitCount(seq);
    writeDigits(buf, o, seq, digits);
    o += digits;
    // Padding goes inside the object, before the closing brace: still valid JSON.
    const end = start + size - 1;
    buf[o++] = 34; // '"'
    if (o > end) throw new RangeError(`record size ${size} is too small for this JSON message`);
    if (o < end) buf.fill(32, o, end);
    buf[end] = 125; // '}'
  }
}

/** Values encoded on demand from their sequence numbers; value() and slice() are the same for both formats. */
abstract class EncodedValueList implements ValueList {
  constructor(
    protected readonly firstSeq: number,
    readonly length: number,
  ) {}

  abstract readonly byteLength: number;
  abstract sizeOf(i: number): number;
  abstract writeTo(i: number, target: Buffer, pos: number): void;
  /** The same kind of list, for sequence numbers firstSeq to firstSeq + count - 1. */
  protected abstract range(firstSeq: number, count: number): ValueList;

  value(i: number): Buffer {
    if (i < 0 || i >= this.length) throw new RangeError(`value ${i} of ${this.length}`);
    const value = Buffer.alloc(this.sizeOf(i)); // zeroed, as writeTo expects
    this.writeTo(i, value, 0);
    return value;
  }

  slice(start: number, end: number): ValueList {
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    return this.range(this.firstSeq + from, to - from);
  }
}

/** client.py's JSON values. */
class JsonValueList extends EncodedValueList {
  readonly byteLength: number;

  constructor(
    protected readonly encoder: PayloadEncoder,
    firstSeq: number,
    length: number,
    /** The values' common beginning (PayloadEncoder.jsonHead). */
    protected readonly head: Buffer,
  ) {
    super(firstSeq, length);
    let bytes = 0;
    for (let i = 0; i < length; i++) bytes += encoder.sizeOf(firstSeq + i);
    this.byteLength = bytes;
  }

  sizeOf(i: number): number {
    return this.encoder.sizeOf(this.firstSeq + i);
  }

  writeTo(i: number, target: Buffer, pos: number): void {
    this.encoder.writeJson(target, pos, this.sizeOf(i), this.firstSeq + i, this.head);
  }

  protected range(firstSeq: number, count: number): ValueList {
    return new JsonValueList(this.encoder, firstSeq, count, this.head);
  }
}

/** JSON values padded to one --record-size: the wire engine copies one and patches the rest. */
class FixedSizeJsonValueList extends JsonValueList {
  patchTo(i: number, from: number, target: Buffer, pos: number): void {
    this.encoder.patchJson(target, pos, this.sizeOf(i), this.firstSeq + i, this.firstSeq + from, this.head);
  }

  protected override range(firstSeq: number, count: number): ValueList {
    return new FixedSizeJsonValueList(this.encoder, firstSeq, count, this.head);
  }
}

/**
 * Binary values: "ktc" 0x02, the producer id, the sequence number and the
 * send time, then zeros. All have one size.
 */
class BinaryValueList extends EncodedValueList {
  constructor(
    /** The first 12 bytes of every value: magic and producer id. */
    private readonly head: Buffer,
    private readonly size: number,
    firstSeq: number,
    length: number,
    private readonly sentAtMicros: number,
  ) {
    super(firstSeq, length);
  }

  get byteLength(): number {
    return this.length * this.size;
  }

  sizeOf(): number {
    return this.size;
  }

  /** Byte stores rather than copy calls: at 100-byte records each native call cost more than its bytes. */
  writeTo(i: number, target: Buffer, pos: number): void {
    const head = this.head;
    for (let b = 0; b < 12; b++) target[pos + b] = head[b]!;
    const seq = this.firstSeq + i;
    putWord(target, pos + 12, Math.floor(seq / 0x1_0000_0000));
    putWord(target, pos + 16, seq >>> 0);
    TIME_VIEW.setFloat64(0, this.sentAtMicros);
    for (let b = 0; b < 8; b++) target[pos + 20 + b] = TIME_BYTES[b]!;
    // The rest is zero padding, which the caller zeroed.
  }

  /** Values of one list differ only in the sequence number. */
  patchTo(i: number, _from: number, target: Buffer, pos: number): void {
    const seq = this.firstSeq + i;
    putWord(target, pos + 12, Math.floor(seq / 0x1_0000_0000));
    putWord(target, pos + 16, seq >>> 0);
  }

  protected range(firstSeq: number, count: number): ValueList {
    return new BinaryValueList(this.head, this.size, firstSeq, count, this.sentAtMicros);
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

/** Whether bytes[at, end) begins with `prefix`. */
function startsWith(bytes: Buffer, prefix: Buffer, at: number, end: number): boolean {
  if (end - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
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

function isJsonObject(bytes: Buffer, start: number, end: number): boolean {
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8', start, end));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

/** The send time's 8 bytes (big-endian double), written once per value through one view. */
const TIME_BYTES = new Uint8Array(8);
const TIME_VIEW = new DataView(TIME_BYTES.buffer);

function putWord(bytes: Buffer, at: number, v: number): void {
  bytes[at] = v >>> 24;
  bytes[at + 1] = (v >>> 16) & 0xff;
  bytes[at + 2] = (v >>> 8) & 0xff;
  bytes[at + 3] = v & 0xff;
}

/**
 * Decodes consumed values. One per consumer: it remembers what consecutive
 * values share, because records of one send share a producer id and a send
 * time. The consumer calls it for every record, so it reads words through a
 * DataView, compares bytes instead of building strings, and turns the
 * producer id into a string only when it changes (a string per record was a
 * tenth of the consumer's time at 100-byte records).
 */
export class PayloadDecoder {
  /** The buffer `view` looks at: a fetch's records share one buffer, so this changes once per fetch, not per record. */
  private viewed: Buffer | undefined;
  private view: DataView = new DataView(new ArrayBuffer(0));
  /** Binary: the last producer id's two words and its hex string. */
  private binaryHigh = 0;
  private binaryLow = 0;
  private binaryId = '';
  /** JSON: the words of the last ktc value's head (send time and producer id), and what they said. */
  private readonly jsonHead = new Int32Array(JSON_PREFIX_WORDS);
  private jsonHeadSet = false;
  private jsonId = '';
  private jsonSentAtMicros = 0;

  /** Classifies a consumed value, with ktc's tracking fields decoded into `out`. */
  decode(value: Buffer | null, out: DecodedRecord): RecordKind {
    return value === null ? 'null' : this.decodeAt(value, 0, value.length, out);
  }

  /** decode() for a value that is `length` bytes of `bytes` from `start`: the consumer reads values where they arrived. */
  decodeAt(bytes: Buffer, start: number, length: number, out: DecodedRecord): RecordKind {
    if (bytes !== this.viewed) {
      this.viewed = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const view = this.view;
    if (length >= BINARY_HEADER_SIZE && view.getInt32(start) === BINARY_MAGIC_WORD) {
      const id = this.producerIdOfWords(view.getInt32(start + 4), view.getInt32(start + 8));
      // Stored only when it changes: the store per record showed as V8's write barrier (4 % in one microbenchmark profile, not in the next).
      if (out.producerId !== id) out.producerId = id;
      out.seq = view.getUint32(start + 12) * 0x1_0000_0000 + view.getUint32(start + 16);
      out.sentAtMicros = view.getFloat64(start + 20);
      return 'ktc';
    }
    if (length >= JSON_MIN_LENGTH && (this.sameJsonHead(view, start) || this.readJsonHead(bytes, start))) {
      const seq = readHex(bytes, start + ID_OFFSET + 16, start + ID_OFFSET + 32);
      if (!Number.isNaN(seq)) {
        out.producerId = this.jsonId;
        out.seq = seq;
        out.sentAtMicros = this.jsonSentAtMicros;
        return 'ktc';
      }
    }
    return isJsonObject(bytes, start, start + length) ? 'json' : 'foreign';
  }

  /** The producer id whose 8 bytes read as these two big-endian int32 words, as ktc's values write it (16 lowercase hex), cached: decodeAt() and the native reader's groups both name producers by it. */
  producerIdOfWords(high: number, low: number): string {
    if (high !== this.binaryHigh || low !== this.binaryLow || this.binaryId === '') {
      this.binaryHigh = high;
      this.binaryLow = low;
      this.binaryId = hexWord(high) + hexWord(low);
    }
    return this.binaryId;
  }

  /** Whether the value begins with the same head (send time and producer id) as the last ktc JSON value. */
  private sameJsonHead(view: DataView, start: number): boolean {
    if (!this.jsonHeadSet) return false;
    const head = this.jsonHead;
    for (let w = 0; w < JSON_PREFIX_WORDS; w++) if (view.getInt32(start + 4 * w) !== head[w]) return false;
    return true;
  }

  /** Checks and decodes a ktc JSON value's head, remembering it for the values after it; false when it is not one. */
  private readJsonHead(bytes: Buffer, start: number): boolean {
    const end = start + JSON_MIN_LENGTH;
    if (!startsWith(bytes, JSON_HEAD, start, end) || !startsWith(bytes, JSON_ID_KEY, start + JSON_HEAD.length + TIMESTAMP_WIDTH, end)) return false;
    const id = start + ID_OFFSET;
    if (!startsWith(bytes, MARKER_HEX, id, end)) return false;
    const t = start + JSON_HEAD.length;
    const seconds = readDigits(bytes, t, t + 10);
    const micros = readDigits(bytes, t + 11, t + 17);
    if (Number.isNaN(seconds) || Number.isNaN(micros) || Number.isNaN(readHex(bytes, id, id + 16))) return false;
    const view = this.view;
    for (let w = 0; w < JSON_PREFIX_WORDS; w++) this.jsonHead[w] = view.getInt32(start + 4 * w);
    this.jsonHeadSet = true;
    this.jsonId = bytes.toString('latin1', id, id + 16);
    this.jsonSentAtMicros = seconds * 1_000_000 + micros;
    return true;
  }
}

/** An int32 as the 8 hex digits of its big-endian bytes. */
function hexWord(word: number): string {
  return (word >>> 0).toString(16).padStart(8, '0');
}

const defaultDecoder = new PayloadDecoder();

/**
 * Classifies a consumed value: ktc's own (tracking fields decoded into `out`),
 * another JSON object (client.py's messages), foreign bytes, or no value at all (a tombstone).
 */
export function decodeRecord(value: Buffer | null, out: DecodedRecord): RecordKind {
  return defaultDecoder.decode(value, out);
}
