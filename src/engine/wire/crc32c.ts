import { requireNativeAddon, type NativeAddonPackage } from '../../shipped/nativeAddon.js';

/**
 * CRC-32C (Castagnoli), the checksum of Kafka's record batches: the consumer
 * checks every batch it reads and the producer writes one per batch, so at
 * 1 KiB records this bounded the consumer. Batches go to the fastest
 * implementation this machine has: ktc's own addon (src/native/crc32c.c,
 * three interleaved SSE 4.2 streams: 15 GB/s here), else @node-rs/crc32
 * (3.5 GB/s), else slicing-by-8 in JS (0.45 GB/s). Short inputs stay in JS,
 * where a call into an addon costs more than it saves.
 */
interface Native {
  /** Which addon. */
  readonly pkg: NativeAddonPackage;
  /** The CRC-32C of buf[start, end). */
  readonly crc32c: (buf: Buffer, start: number, end: number) => number;
  /** Measured crossover: below this many bytes the JS loop is faster than the call. */
  readonly from: number;
}

function loadOwn(): Native | undefined {
  const addon = requireNativeAddon('ktc-crc32c') as { crc32c?: (buf: Uint8Array, start: number, end: number) => number };
  // Without SSE 4.2 the addon exports nothing.
  return addon.crc32c ? { pkg: 'ktc-crc32c', crc32c: addon.crc32c, from: 64 } : undefined;
}

function loadNodeRs(): Native {
  const addon = requireNativeAddon('@node-rs/crc32') as { crc32c: (input: Uint8Array) => number };
  return { pkg: '@node-rs/crc32', crc32c: (buf, start, end) => addon.crc32c(buf.subarray(start, end)) >>> 0, from: 256 };
}

function firstLoadable(loaders: (() => Native | undefined)[]): Native | undefined {
  for (const load of loaders) {
    try {
      const native = load();
      if (native) return native;
    } catch {
      // not built or installed for this platform: try the next
    }
  }
  return undefined;
}

const native = firstLoadable([loadOwn, loadNodeRs]);

/** The addon computing CRCs of batches in this process, if any (the tests check which). */
export const crc32cAddon: NativeAddonPackage | undefined = native?.pkg;

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
  if (native && end - start >= native.from) return native.crc32c(buf, start, end);
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
