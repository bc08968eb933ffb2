import zlib from 'node:zlib';
import { requireNativeAddon, type NativeAddonPackage } from '../../shipped/nativeAddon.js';
import { CODECS, type CompressionCodec } from '../../config/compressionCodecs.js';
import { WireError } from './protocolErrors.js';
import { xxh32 } from './xxhash32.js';

/**
 * The compression codecs of Kafka's record batches, each framed the way the
 * Java client frames it, so either side reads what the other wrote:
 *
 * - gzip: a gzip stream (node:zlib, level 6 like Java's default);
 * - snappy: xerial's framing, as snappy-java's SnappyOutputStream writes it
 *   (`\x82SNAPPY\0`, version 1, compatible version 1, then [int32 length][raw
 *   snappy block] per 32 KiB of input); raw snappy without that header is read
 *   too (some non-Java producers write it);
 * - lz4: the LZ4 frame format as KafkaLZ4BlockOutputStream writes it for v2
 *   batches (independent 64 KiB blocks, a correct header checksum, no block or
 *   content checksums); frames with block checksums or a content size are read;
 * - zstd: a standard zstd frame (level 3, Java's default).
 *
 * snappy, lz4 and zstd are native napi-rs addons whose binaries come inside
 * per-platform npm packages (no install script, no download). They load on
 * first use, so a platform without a binary still runs everything else.
 */
/** The codec vocabulary belongs to the configuration; CODECS is indexed by the codec id in bits 0-2 of a batch's attributes. */
export { CODECS, type CompressionCodec };

export function codecId(codec: CompressionCodec): number {
  return CODECS.indexOf(codec);
}

/** Compressed data that does not decompress; the batch reader turns it into a corrupt-batch error. */
export class CompressionError extends Error {
  override readonly name = 'CompressionError';
}

/** The codec's native binary is missing for this platform: retrying cannot help. */
export class CodecUnavailableError extends WireError {
  constructor(message: string) {
    super(message, 'codecUnavailable', false);
  }
}

type Snappy = typeof import('snappy');
type Lz4 = typeof import('lz4-napi');
type Zstd = typeof import('@toondepauw/node-zstd');
interface ZstdCodec {
  by: 'addon' | 'zlib';
  compress(data: Buffer): Buffer;
  decompress(data: Buffer): Buffer;
}

function unavailable(codec: CompressionCodec, pkg: string, err: unknown): CodecUnavailableError {
  const why = (err as Error).message.split('\n')[0];
  return new CodecUnavailableError(
    `${codec} needs the npm package ${pkg} with its binary for ${process.platform}-${process.arch}, which could not be loaded (${String(why)}); reinstall ktc with its optional dependencies, or use another codec`,
  );
}

function load(pkg: NativeAddonPackage, codec: CompressionCodec): unknown {
  try {
    return requireNativeAddon(pkg);
  } catch (err) {
    throw unavailable(codec, pkg, err);
  }
}

/** Java's default zstd level. */
const ZSTD_LEVEL = 3;

let snappyLib: Snappy | undefined;
let lz4Lib: Lz4 | undefined;
let zstdLib: ZstdCodec | undefined;

const snappy = (): Snappy => (snappyLib ??= load('snappy', 'snappy') as Snappy);
const lz4 = (): Lz4 => (lz4Lib ??= load('lz4-napi', 'lz4') as Lz4);

/** Node >= 22.15 has zstd in zlib; @types/node 20 does not know it. */
type ZlibWithZstd = typeof zlib & {
  zstdCompressSync?: (data: Buffer, options: { params: Record<number, number> }) => Buffer;
  zstdDecompressSync?: (data: Buffer) => Buffer;
  constants: { ZSTD_c_compressionLevel?: number };
};

function zstd(): ZstdCodec {
  if (zstdLib) return zstdLib;
  let addon: Zstd;
  try {
    addon = requireNativeAddon('@toondepauw/node-zstd') as Zstd;
  } catch (err) {
    // The addon is faster (bench/results/2026-11-27-codecs.md); zlib's zstd stands in when it has no binary here.
    const z = zlib as ZlibWithZstd;
    const { zstdCompressSync, zstdDecompressSync } = z;
    const level = z.constants.ZSTD_c_compressionLevel;
    if (!zstdCompressSync || !zstdDecompressSync || level === undefined) throw unavailable('zstd', '@toondepauw/node-zstd', err);
    const options = { params: { [level]: ZSTD_LEVEL } };
    return (zstdLib = { by: 'zlib', compress: (data) => zstdCompressSync(data, options), decompress: (data) => zstdDecompressSync(data) });
  }
  const encoder = new addon.Encoder(ZSTD_LEVEL);
  const decoder = new addon.Decoder();
  return (zstdLib = { by: 'addon', compress: (data) => encoder.encodeSync(data), decompress: (data) => decoder.decodeSync(data) });
}

/** Which zstd ktc uses here: @toondepauw/node-zstd, or zlib's when the addon has no binary (throws when neither). */
export function zstdImplementation(): 'addon' | 'zlib' {
  return zstd().by;
}

export function compress(codec: CompressionCodec, data: Buffer): Buffer {
  switch (codec) {
    case 'none':
      return data;
    case 'gzip':
      return zlib.gzipSync(data);
    case 'snappy':
      return snappyXerial(data);
    case 'lz4':
      return lz4KafkaFrame(data);
    case 'zstd':
      return zstd().compress(data);
  }
}

/** Decompresses a batch's records section; `codecId` is bits 0-2 of its attributes. */
export function decompress(codecId: number, data: Buffer): Buffer {
  const codec = CODECS[codecId];
  if (codec === undefined) throw new CompressionError(`unknown compression codec id ${codecId}`);
  if (codec === 'none') return data;
  try {
    switch (codec) {
      case 'gzip':
        return zlib.gunzipSync(data);
      case 'snappy':
        return unsnappy(data);
      case 'lz4':
        return unLz4Frame(data);
      case 'zstd':
        return zstd().decompress(data);
    }
  } catch (err) {
    if (err instanceof CompressionError || err instanceof CodecUnavailableError) throw err;
    throw new CompressionError(`${codec} data does not decompress: ${(err as Error).message}`);
  }
}

// --- snappy (xerial framing) ---

const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
const XERIAL_MAGIC_LENGTH = 8;
/** snappy-java's default block size: what the Java producer compresses per chunk. */
const XERIAL_CHUNK = 32 * 1024;

function snappyXerial(data: Buffer): Buffer {
  const lib = snappy();
  const parts: Buffer[] = [XERIAL_HEADER];
  let size = XERIAL_HEADER.length;
  for (let from = 0; from < data.length; from += XERIAL_CHUNK) {
    const chunk = lib.compressSync(data.subarray(from, Math.min(from + XERIAL_CHUNK, data.length)));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(chunk.length, 0);
    parts.push(length, chunk);
    size += 4 + chunk.length;
  }
  return Buffer.concat(parts, size);
}

function unsnappy(data: Buffer): Buffer {
  const lib = snappy();
  const framed = data.length >= XERIAL_HEADER.length && data.compare(XERIAL_HEADER, 0, XERIAL_MAGIC_LENGTH, 0, XERIAL_MAGIC_LENGTH) === 0;
  if (!framed) return lib.uncompressSync(data, { asBuffer: true }) as Buffer;
  const parts: Buffer[] = [];
  let pos = XERIAL_HEADER.length;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new CompressionError('snappy chunk length cut short');
    const length = data.readInt32BE(pos);
    pos += 4;
    if (length < 0 || pos + length > data.length) throw new CompressionError(`snappy chunk of ${length} bytes runs past the data`);
    parts.push(lib.uncompressSync(data.subarray(pos, pos + length), { asBuffer: true }) as Buffer);
    pos += length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

// --- lz4 (frame format, Kafka's settings) ---

const LZ4_MAGIC = 0x184d2204;
const LZ4_FLG = 0x60; // version 01, independent blocks, no block checksum, no content size, no content checksum
const LZ4_BD = 0x40; // 64 KiB blocks
const LZ4_HEADER = (() => {
  const h = Buffer.alloc(7);
  h.writeUInt32LE(LZ4_MAGIC, 0);
  h[4] = LZ4_FLG;
  h[5] = LZ4_BD;
  h[6] = (xxh32(h, 4, 6) >>> 8) & 0xff;
  return h;
})();
const LZ4_BLOCK = 64 * 1024;
const LZ4_UNCOMPRESSED = 0x80000000;

function lz4KafkaFrame(data: Buffer): Buffer {
  const lib = lz4();
  const parts: Buffer[] = [LZ4_HEADER];
  let size = LZ4_HEADER.length + 4;
  for (let from = 0; from < data.length; from += LZ4_BLOCK) {
    const chunk = data.subarray(from, Math.min(from + LZ4_BLOCK, data.length));
    // compressSync prepends the uncompressed size (4 bytes, LE): the frame has no use for it.
    const compressed = lib.compressSync(chunk);
    const blockLength = compressed.length - 4;
    const length = Buffer.allocUnsafe(4);
    if (blockLength >= chunk.length) {
      // Incompressible: stored as is, like Java does.
      length.writeUInt32LE((chunk.length | LZ4_UNCOMPRESSED) >>> 0, 0);
      parts.push(length, chunk);
      size += 4 + chunk.length;
    } else {
      length.writeUInt32LE(blockLength, 0);
      parts.push(length, compressed.subarray(4));
      size += 4 + blockLength;
    }
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts, size);
}

let lz4Scratch = Buffer.allocUnsafe(4 + LZ4_BLOCK);

function unLz4Frame(data: Buffer): Buffer {
  const lib = lz4();
  if (data.length < 7) throw new CompressionError('lz4 frame header cut short');
  if (data.readUInt32LE(0) !== LZ4_MAGIC) throw new CompressionError(`not an lz4 frame (magic 0x${data.readUInt32LE(0).toString(16)})`);
  const flg = data[4]!;
  const bd = data[5]!;
  // Java's KafkaLZ4BlockInputStream refuses the same: dictionaries, dependent blocks, other versions.
  if (flg >> 6 !== 1 || (flg & 0x03) !== 0) throw new CompressionError(`unsupported lz4 frame flags 0x${flg.toString(16)}`);
  if (!(flg & 0x20)) throw new CompressionError('lz4 frame with dependent blocks (Kafka writes independent ones)');
  const blockMax = 1 << (2 * ((bd >> 4) & 7) + 8);
  if ((bd & 0x8f) !== 0 || ((bd >> 4) & 7) < 4) throw new CompressionError(`unsupported lz4 block size byte 0x${bd.toString(16)}`);
  const blockChecksums = (flg & 0x10) !== 0;
  const contentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  let pos = 6 + (contentSize ? 8 : 0);
  if (pos >= data.length) throw new CompressionError('lz4 frame header cut short');
  if (((xxh32(data, 4, pos) >>> 8) & 0xff) !== data[pos]) throw new CompressionError('lz4 frame header checksum mismatch');
  pos++;
  if (lz4Scratch.length < 4 + blockMax) lz4Scratch = Buffer.allocUnsafe(4 + blockMax);
  const parts: Buffer[] = [];
  for (;;) {
    if (pos + 4 > data.length) throw new CompressionError('lz4 frame ends without its end mark');
    const word = data.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const length = word & 0x7fffffff;
    if (length > blockMax) throw new CompressionError(`lz4 block of ${length} bytes exceeds the frame's ${blockMax}`);
    if (pos + length + (blockChecksums ? 4 : 0) > data.length) throw new CompressionError(`lz4 block of ${length} bytes runs past the data`);
    if (blockChecksums && xxh32(data, pos, pos + length) !== data.readUInt32LE(pos + length)) throw new CompressionError('lz4 block checksum mismatch');
    if (word & LZ4_UNCOMPRESSED) {
      parts.push(data.subarray(pos, pos + length));
    } else {
      // uncompressSync wants the size prepended; an upper bound is accepted (it returns the actual length).
      lz4Scratch.writeUInt32LE(blockMax, 0);
      data.copy(lz4Scratch, 4, pos, pos + length);
      parts.push(lib.uncompressSync(lz4Scratch.subarray(0, 4 + length)));
    }
    pos += length + (blockChecksums ? 4 : 0);
  }
  // Java skips the content checksum without checking it; so does ktc.
  if (contentChecksum && pos + 4 > data.length) throw new CompressionError('lz4 content checksum cut short');
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
