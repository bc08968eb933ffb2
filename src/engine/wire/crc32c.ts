import { requireNativeAddon } from '../../shipped/nativeAddon.js';

/**
 * CRC-32C (Castagnoli), the checksum of Kafka's record batches. Batches of
 * a few hundred bytes and more go to @node-rs/crc32 (SSE 4.2 / ARMv8 CRC
 * instructions, ~4 GB/s here against ~0.45 GB/s in JS: the reader checks
 * every batch it fetches, so this bounded the consumer at 1 KiB records);
 * shorter ones stay in JS, where the call into the addon costs more than it
 * saves. Without the addon's binary everything stays in JS.
 */
type NativeCrc32c = (input: Uint8Array, initialState?: number) => number;
const native: NativeCrc32c | undefined = (() => {
  try {
    return (requireNativeAddon('@node-rs/crc32') as { crc32c: NativeCrc32c }).crc32c;
  } catch {
    return undefined;
  }
})();
/** Measured crossover: below this the JS loop is faster than the native call. */
const NATIVE_FROM = 256;

/** Slicing by 8: eight table lookups per 8 bytes, several times faster than a byte loop. */
const TABLES: Uint32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    tables[0]![n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0]![n]!;
    for (let t = 1; t < 8; t++) {
      c = tables[0]![c & 0xff]! ^ (c >>> 8);
      tables[t]![n] = c >>> 0;
    }
  }
  return tables;
})();

const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

export function crc32c(buf: Buffer, start = 0, end = buf.length): number {
  if (native && end - start >= NATIVE_FROM) return native(buf.subarray(start, end)) >>> 0;
  return crc32cJs(buf, start, end);
}

/** The JS implementation alone (tests compare it with the native one). */
export function crc32cJs(buf: Buffer, start = 0, end = buf.length): number {
  let crc = 0xffffffff;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = (crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) >>> 0;
    crc =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[buf[i + 4]!]! ^
      t2[buf[i + 5]!]! ^
      t1[buf[i + 6]!]! ^
      t0[buf[i + 7]!]!;
  }
  for (; i < end; i++) crc = t0[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
