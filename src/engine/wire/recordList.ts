import type { ConsumedMessage, RecordFields, RecordHeader, RecordList } from '../engine.js';
import { readHeadersAt } from './recordBatchReader.js';

/** Int32 fields kept per record (src/native/recordFields.h has the same). */
const BODY = 0;
const KEY_START = 1;
const KEY_LENGTH = 2;
const VALUE_START = 3;
const VALUE_LENGTH = 4;
/** Position of the record's header count, or -1 when it has no headers. */
const HEADERS_AT = 5;
const STRIDE = 6;

/**
 * Records decoded by the batch reader, kept as positions in the bytes they
 * came in (the fetch response, or a batch's decompressed copy): nothing is
 * allocated per record until message(i) is asked for. The consumer reuses one
 * list per partition, so a list is valid only until its partition's next fetch.
 */
export class WireRecordList implements RecordList {
  length = 0;
  private offsets: Float64Array;
  private fields: Int32Array;
  private readonly bodies: Buffer[] = [];

  constructor(capacity = 256) {
    this.offsets = new Float64Array(capacity);
    this.fields = new Int32Array(capacity * STRIDE);
  }

  /** Makes `body` the buffer the next records point into; returns its index. */
  useBody(body: Buffer): number {
    const last = this.bodies.length - 1;
    if (last >= 0 && this.bodies[last] === body) return last;
    this.bodies.push(body);
    return last + 1;
  }

  /** Room for `more` records beyond the current length. */
  reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= this.offsets.length) return;
    let capacity = this.offsets.length * 2;
    while (capacity < needed) capacity *= 2;
    const offsets = new Float64Array(capacity);
    offsets.set(this.offsets.subarray(0, this.length));
    const fields = new Int32Array(capacity * STRIDE);
    fields.set(this.fields.subarray(0, this.length * STRIDE));
    this.offsets = offsets;
    this.fields = fields;
  }

  /**
   * Lets `scan` write up to `count` records of `body` straight into the arrays, from index length; it returns how
   * many it wrote, or -1 when it wrote none and the batch is to be walked again another way. Returns whether it
   * succeeded.
   */
  scanned(body: Buffer, count: number, scan: (bodyIndex: number, fields: Int32Array, offsets: Float64Array, from: number) => number): boolean {
    this.reserve(count);
    const bodyIndex = this.useBody(body);
    const n = scan(bodyIndex, this.fields, this.offsets, this.length);
    if (n < 0) return false;
    this.length += n;
    return true;
  }

  /** Appends a record; the caller has reserved room. Lengths are -1 for a null key or value. */
  push(body: number, offset: number, keyStart: number, keyLength: number, valueStart: number, valueLength: number, headersAt: number): void {
    const i = this.length++;
    this.offsets[i] = offset;
    const f = this.fields;
    const at = i * STRIDE;
    f[at + BODY] = body;
    f[at + KEY_START] = keyStart;
    f[at + KEY_LENGTH] = keyLength;
    f[at + VALUE_START] = valueStart;
    f[at + VALUE_LENGTH] = valueLength;
    f[at + HEADERS_AT] = headersAt;
  }

  /** Empties the list for the next fetch, keeping its arrays (allocating them per fetch showed as GC time). */
  clear(): void {
    this.length = 0;
    this.bodies.length = 0;
  }

  /** Drops the records from `length` on (a batch that turned out corrupt). */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  offset(i: number): number {
    return this.offsets[this.check(i)] ?? -1;
  }

  valueBytes(i: number): Buffer {
    return this.bodyOf(this.check(i));
  }

  valueStart(i: number): number {
    return this.fields[this.check(i) * STRIDE + VALUE_START] ?? 0;
  }

  valueLength(i: number): number {
    return this.fields[this.check(i) * STRIDE + VALUE_LENGTH] ?? -1;
  }

  recordFields(): RecordFields {
    return { bodies: this.bodies, fields: this.fields };
  }

  message(i: number): ConsumedMessage {
    const body = this.bodyOf(this.check(i));
    const at = i * STRIDE;
    const f = this.fields;
    // Copies: the fetched bytes are reused for a later fetch, and these objects may be kept (printing, MongoDB).
    const copy = (start: number, length: number): Buffer | null => (length < 0 ? null : Buffer.from(body.subarray(start, start + length)));
    const headersAt = f[at + HEADERS_AT] ?? -1;
    const headers: RecordHeader[] | undefined =
      headersAt < 0 ? undefined : readHeadersAt(body, headersAt).map((h) => ({ key: h.key, value: h.value && Buffer.from(h.value) }));
    return {
      offset: String(this.offsets[i]),
      key: copy(f[at + KEY_START] ?? 0, f[at + KEY_LENGTH] ?? -1),
      value: copy(f[at + VALUE_START] ?? 0, f[at + VALUE_LENGTH] ?? -1),
      recordHeaders: headers,
    };
  }

  private bodyOf(i: number): Buffer {
    const body = this.bodies[this.fields[i * STRIDE + BODY] ?? -1];
    if (body === undefined) throw new RangeError(`record ${i} points at no buffer`);
    return body;
  }

  private check(i: number): number {
    if (i >= this.length || i < 0) throw new RangeError(`record ${i} of ${this.length}`);
    return i;
  }
}
