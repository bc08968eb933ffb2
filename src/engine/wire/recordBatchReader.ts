import { gunzipSync } from 'node:zlib';
import type { ConsumedMessage } from '../engine.js';
import { protocolError } from './protocolErrors.js';

/** Reads a zigzag varint (or varlong, within 2^53) at pos; returns [value, next pos]. */
function readVarint(buf: Buffer, pos: number): [number, number] {
  let z = 0;
  let scale = 1;
  for (;;) {
    const b = buf[pos++]!;
    z += (b & 0x7f) * scale;
    if (!(b & 0x80)) break;
    scale *= 128;
  }
  // zigzag: even -> z/2, odd -> -(z+1)/2
  return [z % 2 === 0 ? z / 2 : -(z + 1) / 2, pos];
}

const COMPRESSION = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/**
 * Decodes the record batches (magic 2) of one partition's fetch response into
 * messages with their offsets. A batch cut short at the end of the response
 * (the broker fills up to max bytes) is left for the next fetch. Control
 * batches (transaction markers) are skipped; gzip is inflated; other codecs
 * are refused with a clear error.
 */
export function readRecordBatches(records: Buffer, fromOffset: number, out: ConsumedMessage[]): number {
  let pos = 0;
  let next = fromOffset;
  while (pos + 61 <= records.length) {
    const baseOffset = Number(records.readBigInt64BE(pos));
    const batchLength = records.readInt32BE(pos + 8);
    const end = pos + 12 + batchLength;
    if (end > records.length) break;
    const magic = records.readInt8(pos + 16);
    if (magic !== 2) throw protocolError(2, `record batch with magic ${magic}: only Kafka's v2 format is supported`);
    const attributes = records.readInt16BE(pos + 21);
    const lastOffsetDelta = records.readInt32BE(pos + 23);
    const count = records.readInt32BE(pos + 57);
    const codec = attributes & 7;
    if (!(attributes & 0x20)) {
      let body = records.subarray(pos + 61, end);
      if (codec === 1) body = gunzipSync(body);
      else if (codec !== 0) {
        throw Object.assign(new Error(`messages compressed with ${COMPRESSION[codec] ?? codec}: the wire consumer reads uncompressed and gzip batches only; use --engine kafkajs`), {
          retriable: false,
        });
      }
      let p = 0;
      for (let i = 0; i < count; i++) {
        let length: number;
        [length, p] = readVarint(body, p);
        const recordEnd = p + length;
        p += 1; // attributes
        [, p] = readVarint(body, p); // timestampDelta
        let offsetDelta: number;
        [offsetDelta, p] = readVarint(body, p);
        let keyLength: number;
        [keyLength, p] = readVarint(body, p);
        if (keyLength > 0) p += keyLength;
        let valueLength: number;
        [valueLength, p] = readVarint(body, p);
        const value = valueLength < 0 ? null : body.subarray(p, p + valueLength);
        const offset = baseOffset + offsetDelta;
        // A batch may start before the requested offset (the broker returns whole batches).
        if (offset >= fromOffset) out.push({ offset: String(offset), value });
        p = recordEnd;
      }
    }
    next = Math.max(next, baseOffset + lastOffsetDelta + 1);
    pos = end;
  }
  return next;
}
