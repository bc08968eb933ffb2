import type { RecordHeader } from '../engine.js';
import { CodecUnavailableError, CompressionError, decompress } from './compression.js';
import { crc32c } from './crc32c.js';
import { recordScanner } from './recordScanner.js';
import { WireError } from './protocolErrors.js';
import type { WireRecordList } from './recordList.js';

/**
 * A batch that cannot be what its producer wrote: checksum mismatch, lengths
 * that contradict each other, data that does not decompress. Java's consumer
 * fails on the same (CorruptRecordException); retrying the fetch returns the
 * same bytes. The caller adds the topic and partition.
 */
export class CorruptBatchError extends WireError {
  constructor(
    /** Base offset of the batch (the fetch offset when the base offset itself is unreadable). */
    readonly offset: number,
    /** Short and fixed, e.g. 'CRC mismatch', 'bad length', 'bad record', 'bad compressed data'. */
    readonly reason: string,
    detail: string,
  ) {
    super(`corrupt record batch at offset ${offset} (${reason}): ${detail}`, 'corruptData', false);
  }
}

/** Magic 0 or 1: a message set written before Kafka 0.11, which ktc's reader does not decode. */
export class UnsupportedMessageFormatError extends WireError {
  constructor(
    readonly offset: number,
    readonly magic: number,
  ) {
    // What to read it with instead is the front end's to say: its hint for 'unsupportedByEngine'.
    super(`offset ${offset} holds messages in Kafka's pre-0.11 format (magic ${magic}), which ktc's wire consumer does not read`, 'unsupportedByEngine', false);
  }
}

/** One entry of a fetch response's aborted_transactions (read_committed). */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export interface ReadOptions {
  /** Default read_uncommitted: every data record, aborted or not, as Java's default. */
  isolation?: IsolationLevel;
  /** The partition's aborted_transactions from the same fetch response (null or absent: none). */
  abortedTransactions?: readonly AbortedTransaction[] | null;
}

export interface ReadResult {
  /** Offset to fetch next: past the last complete batch, or `fromOffset` when there was none. */
  next: number;
  /** Transaction markers skipped (records of control batches at or after fromOffset). */
  controlRecords: number;
  /** Records of aborted transactions skipped under read_committed (at or after fromOffset). */
  abortedRecords: number;
  /**
   * Set when the response held bytes but not one complete batch: the first
   * batch (at `offset`) is `size` bytes (null when even its length was cut
   * off) and only `received` bytes came. The fetcher must ask for at least
   * `size` bytes, as Java's consumer cannot progress otherwise either.
   */
  incomplete?: { offset: number; size: number | null; received: number };
}

const HEADER = 61; // baseOffset .. recordCount
const LOG_OVERHEAD = 12; // baseOffset + batchLength
const MIN_BATCH_LENGTH = HEADER - LOG_OVERHEAD;
/** Smallest message a pre-0.11 message set can hold (Java's LegacyRecord.RECORD_OVERHEAD_V0). */
const MIN_LEGACY_LENGTH = 14;
const CONTROL_ABORT = 0;

/** Batches of fewer records are walked in TypeScript, where the fixed cost of a call into the addon would weigh more; 16 is a guess, not measured. */
const NATIVE_FROM = 16;

/** Thrown inside record parsing, caught per batch to become a CorruptBatchError with the batch's offset. */
class BadRecord extends Error {}

/**
 * Cursor of the varint reader below: returning [value, pos] pairs allocated
 * an array per field, which showed in the consumer's profile.
 */
let at = 0;

/**
 * Zigzag varint or varlong (Kafka writes both the same way) up to 2^53, at
 * `at`. One- and two-byte values (every field of a small record but its
 * offset in a big batch) are read here, small enough to be inlined into the
 * record loop; longer ones in longVarint.
 */
function varint(buf: Buffer): number {
  const b = buf[at]!;
  if (b < 0x80) {
    at++;
    return (b >>> 1) ^ -(b & 1);
  }
  const c = buf[at + 1]!; // undefined past the end: not below 0x80, so longVarint reports it
  if (c < 0x80) {
    at += 2;
    const z = (b & 0x7f) | (c << 7);
    return (z >>> 1) ^ -(z & 1);
  }
  return longVarint(buf);
}

function longVarint(buf: Buffer): number {
  const b = buf[at++]!;
  let z = b & 0x7f;
  let scale = 128;
  for (let i = 1; ; i++) {
    if (i === 10 || at >= buf.length) throw new BadRecord('varint runs past the data');
    const c = buf[at++]!;
    z += (c & 0x7f) * scale;
    if (!(c & 0x80)) break;
    scale *= 128;
  }
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/**
 * Decodes the record batches of one partition from a fetch response into
 * `out` (records at or after `fromOffset`), as Java's consumer does with
 * check.crcs=true: every batch's CRC-32C is verified, lengths are checked,
 * all codecs are read, control batches are skipped and counted, and under
 * read_committed the records of aborted transactions are skipped using the
 * response's aborted_transactions (per response: the broker returns every
 * aborted transaction that overlaps the fetched range each time).
 *
 * A batch cut short at the end (the broker fills up to max bytes) is left
 * for the next fetch; when that is the first batch, `incomplete` says so.
 * Throws CorruptBatchError or UnsupportedMessageFormatError (retriable:
 * false) for batches no fetch will ever read.
 */
export function readRecordBatches(records: Buffer, fromOffset: number, out: WireRecordList, options?: ReadOptions): ReadResult {
  const reader = new RecordBatchReader(records, fromOffset, options);
  reader.read(out);
  return reader.result;
}

/**
 * readRecordBatches a part at a time: each read() decodes batches until it
 * has gone past `bytes` of them, keeping the read_committed state for the
 * next. The consumer hands each part over while its bytes are still in the
 * core's cache (a whole 12 MiB response is not), and lets the socket be read
 * in between.
 */
export class RecordBatchReader {
  /** So far: `next` is past the last batch read, the counts cover the batches read. */
  readonly result: ReadResult;
  private pos = 0;
  private batches = 0;
  private ended = false;
  // Java's CompletedFetch: aborted transactions by first offset; a producer is aborted from there until its ABORT marker.
  private readonly queue: readonly AbortedTransaction[] | undefined;
  private readonly abortedPids = new Set<number>();
  private queued = 0;

  constructor(
    private readonly records: Buffer,
    private readonly fromOffset: number,
    options?: ReadOptions,
  ) {
    this.result = { next: fromOffset, controlRecords: 0, abortedRecords: 0 };
    const listed = options?.isolation === 'read_committed' ? options.abortedTransactions : undefined;
    this.queue = listed && listed.length > 0 ? [...listed].sort((a, b) => a.firstOffset - b.firstOffset) : undefined;
  }

  /** Decodes batches into `out` until more than `bytes` of them were read or none is left; returns whether any is left. */
  read(out: WireRecordList, bytes = Infinity): boolean {
    const { records, fromOffset, result, queue, abortedPids } = this;
    const length = records.length;
    let pos = this.pos;
    const stopAt = pos + bytes;
    while (!this.ended && pos < length && pos < stopAt) {
      const remaining = length - pos;
      if (remaining < LOG_OVERHEAD) {
        if (this.batches === 0) result.incomplete = { offset: remaining >= 8 ? int64(records, pos) : fromOffset, size: null, received: remaining };
        this.ended = true;
        break;
      }
      const baseOffset = int64(records, pos);
      const batchLength = records.readInt32BE(pos + 8);
      if (batchLength < MIN_LEGACY_LENGTH) {
        throw new CorruptBatchError(baseOffset, 'bad length', `batch length ${batchLength} is below the ${MIN_BATCH_LENGTH}-byte header`);
      }
      const size = LOG_OVERHEAD + batchLength;
      if (remaining <= 16) {
        if (this.batches === 0) result.incomplete = { offset: baseOffset, size, received: remaining };
        this.ended = true;
        break;
      }
      const magic = records.readInt8(pos + 16);
      if (magic === 0 || magic === 1) throw new UnsupportedMessageFormatError(baseOffset, magic);
      if (magic !== 2) throw new CorruptBatchError(baseOffset, 'bad magic', `magic byte ${magic} (Kafka writes 2)`);
      if (batchLength < MIN_BATCH_LENGTH) {
        throw new CorruptBatchError(baseOffset, 'bad length', `batch length ${batchLength} is below the ${MIN_BATCH_LENGTH}-byte header`);
      }
      if (size > remaining) {
        if (this.batches === 0) result.incomplete = { offset: baseOffset, size, received: remaining };
        this.ended = true;
        break;
      }
      const end = pos + size;
      const stored = records.readUInt32BE(pos + 17);
      const computed = crc32c(records, pos + 21, end);
      if (stored !== computed) {
        throw new CorruptBatchError(
          baseOffset,
          'CRC mismatch',
          `stored CRC-32C 0x${hex(stored)}, computed 0x${hex(computed)}: its bytes changed after the producer wrote them`,
        );
      }
      this.batches++;
      const attributes = records.readInt16BE(pos + 21);
      const lastOffset = baseOffset + records.readInt32BE(pos + 23);
      const producerId = int64(records, pos + 43);
      const count = records.readInt32BE(pos + 57);
      const control = (attributes & 0x20) !== 0;
      if (count < 0) throw new CorruptBatchError(baseOffset, 'bad length', `record count ${count}`);
      // Records of this batch the caller asked for (the broker returns whole batches, which may start earlier).
      const wanted = lastOffset < fromOffset ? 0 : Math.min(count, lastOffset - Math.max(baseOffset, fromOffset) + 1);

      if (queue && producerId >= 0) {
        while (this.queued < queue.length && queue[this.queued]!.firstOffset <= lastOffset) abortedPids.add(queue[this.queued++]!.producerId);
        if (control) {
          if (abortedPids.has(producerId) && controlType(records, pos, end, baseOffset) === CONTROL_ABORT) abortedPids.delete(producerId);
        } else if (attributes & 0x10 && abortedPids.has(producerId)) {
          result.abortedRecords += wanted;
          result.next = Math.max(result.next, lastOffset + 1);
          pos = this.pos = end;
          continue;
        }
      }
      if (control) {
        result.controlRecords += wanted;
      } else if (wanted > 0) {
        readRecords(records, pos, end, attributes & 7, baseOffset, count, fromOffset, out);
      }
      result.next = Math.max(result.next, lastOffset + 1);
      pos = this.pos = end;
    }
    return !this.ended && pos < length;
  }
}

/**
 * The offset a fetch continues from after these record batches, from their
 * headers alone (what readRecordBatches returns as `next` when they are
 * sound): lets the consumer ask for the next fetch before decoding this one.
 */
export function nextOffset(records: Buffer, fromOffset: number): number {
  let next = fromOffset;
  for (let pos = 0; pos + 27 <= records.length;) {
    const size = LOG_OVERHEAD + records.readInt32BE(pos + 8);
    if (size < HEADER || pos + size > records.length) break;
    next = Math.max(next, int64(records, pos) + records.readInt32BE(pos + 23) + 1);
    pos += size;
  }
  return next;
}

/**
 * A big-endian int64 as a number (exact up to 2^53, as offsets and producer ids are): Number(readBigInt64BE())
 * allocated a BigInt per batch header and showed in the consumer's profile.
 */
function int64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** The records section of a batch: the bytes themselves, or its decompressed copy. */
function recordsOf(records: Buffer, pos: number, end: number, codec: number, baseOffset: number): Buffer {
  if (codec === 0) return records;
  try {
    return decompress(codec, records.subarray(pos + HEADER, end));
  } catch (err) {
    if (err instanceof CompressionError) throw new CorruptBatchError(baseOffset, 'bad compressed data', err.message);
    if (err instanceof CodecUnavailableError) throw err;
    throw new CorruptBatchError(baseOffset, 'bad compressed data', (err as Error).message);
  }
}

function readRecords(
  records: Buffer,
  pos: number,
  end: number,
  codec: number,
  baseOffset: number,
  count: number,
  fromOffset: number,
  out: WireRecordList,
): void {
  const body = recordsOf(records, pos, end, codec, baseOffset);
  const start = codec === 0 ? pos + HEADER : 0;
  const limit = codec === 0 ? end : body.length;
  const scan = count >= NATIVE_FROM ? recordScanner() : undefined;
  if (
    scan &&
    out.scanned(body, count, (bodyIndex, fields, offsets, from) => scan(body, start, limit, count, baseOffset, fromOffset, bodyIndex, fields, offsets, from))
  )
    return;
  at = start;
  const delivered = out.length;
  try {
    if (count > limit - start) throw new BadRecord(`${count} records cannot fit in ${limit - start} bytes`);
    const bodyIndex = out.useBody(body);
    out.reserve(count);
    for (let i = 0; i < count; i++) {
      if (at >= limit) throw new BadRecord(`the batch ends after ${i} of its ${count} records`);
      const length = varint(body);
      const recordEnd = at + length;
      if (length < 0 || recordEnd > limit) throw new BadRecord(`record of ${length} bytes runs past the batch`);
      at++; // attributes
      varint(body); // timestampDelta
      const offset = baseOffset + varint(body);
      const keyLength = varint(body);
      const keyStart = at;
      if (keyLength >= 0) {
        if (at + keyLength > recordEnd) throw new BadRecord(`key of ${keyLength} bytes runs past its record`);
        at += keyLength;
      }
      const valueLength = varint(body);
      const valueStart = at;
      if (valueLength >= 0) {
        if (at + valueLength > recordEnd) throw new BadRecord(`value of ${valueLength} bytes runs past its record`);
        at += valueLength;
      }
      const headersAt = at;
      const headerCount = varint(body);
      if (headerCount !== 0) skipHeaders(body, headerCount, recordEnd);
      if (at !== recordEnd) throw new BadRecord(`record length ${length} does not match its fields`);
      if (offset >= fromOffset)
        out.push(
          bodyIndex,
          offset,
          keyStart,
          keyLength < 0 ? -1 : keyLength,
          valueStart,
          valueLength < 0 ? -1 : valueLength,
          headerCount === 0 ? -1 : headersAt,
        );
    }
    if (at !== limit) throw new BadRecord(`the batch declares ${count} records, but ${limit - at} bytes follow the last one`);
  } catch (err) {
    out.truncate(delivered); // nothing of a corrupt batch reaches the caller
    if (err instanceof BadRecord) throw new CorruptBatchError(baseOffset, 'bad record', err.message);
    throw err;
  }
}

/** Checks a record's headers fit in it, without building them (the consumer's hot path never reads them). */
function skipHeaders(body: Buffer, count: number, recordEnd: number): void {
  if (count < 0 || count > recordEnd - at) throw new BadRecord(`header count ${count}`);
  for (let h = 0; h < count; h++) {
    const keyLength = varint(body);
    if (keyLength < 0 || at + keyLength > recordEnd) throw new BadRecord(`header key of ${keyLength} bytes`);
    at += keyLength;
    const valueLength = varint(body);
    if (valueLength >= 0) {
      if (at + valueLength > recordEnd) throw new BadRecord(`header value of ${valueLength} bytes runs past its record`);
      at += valueLength;
    }
  }
}

/** The headers of a record the reader checked, from the position of its header count. */
export function readHeadersAt(body: Buffer, headersAt: number): RecordHeader[] {
  at = headersAt;
  const count = varint(body);
  const headers: RecordHeader[] = new Array<RecordHeader>(count);
  for (let h = 0; h < count; h++) {
    const keyLength = varint(body);
    const key = body.toString('utf8', at, at + keyLength);
    at += keyLength;
    const valueLength = varint(body);
    let value: Buffer | null = null;
    if (valueLength >= 0) {
      value = body.subarray(at, at + valueLength);
      at += valueLength;
    }
    headers[h] = { key, value };
  }
  return headers;
}

/** COMMIT (1) or ABORT (0): the type in the key of a control batch's first record. */
function controlType(records: Buffer, pos: number, end: number, baseOffset: number): number {
  const attributes = records.readInt16BE(pos + 21);
  const body = recordsOf(records, pos, end, attributes & 7, baseOffset);
  at = attributes & 7 ? 0 : pos + HEADER;
  try {
    varint(body); // length
    at++; // attributes
    varint(body); // timestampDelta
    varint(body); // offsetDelta
    const keyLength = varint(body);
    if (keyLength < 4 || at + keyLength > body.length) throw new BadRecord(`control record key of ${keyLength} bytes`);
    return body.readInt16BE(at + 2); // after the key's version
  } catch (err) {
    if (err instanceof BadRecord) throw new CorruptBatchError(baseOffset, 'bad record', err.message);
    throw err;
  }
}
