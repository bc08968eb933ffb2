import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import zlib, { gzipSync } from 'node:zlib';
import snappy from 'snappy';
import { describe, expect, it, vi } from 'vitest';
import { CODECS, codecId, CompressionError, compress, decompress, zstdImplementation } from '../../../src/engine/wire/compression.js';
import { xxh32 } from '../../../src/engine/wire/xxhash32.js';
import { defined } from '../../../src/defined.js';

const fixtures = new URL('../../fixtures/batches/', import.meta.url);

/** 50 kB of text that compresses, then bytes that do not (an LCG's high bytes): 200 kB, several blocks of every codec. */
function sample(): Buffer {
  const text = Buffer.from(Array.from({ length: 1000 }, (_, i) => `{"seq": ${i}, "event": "click", "user": "u-${(i * 7919) % 1000}"}`).join('\n'));
  const noise = Buffer.allocUnsafe(200_000 - text.length);
  let s = 12345;
  for (let i = 0; i < noise.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    noise[i] = s >>> 24;
  }
  return Buffer.concat([text, noise]);
}

describe('xxh32', () => {
  it("matches the reference implementation's values", () => {
    expect(xxh32(Buffer.alloc(0))).toBe(0x02cc5d05);
    expect(xxh32(Buffer.from('a'))).toBe(0x550d7456);
    expect(xxh32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxh32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });
});

describe('compression codecs', () => {
  it('lists the codecs by their Kafka attribute id', () => {
    expect(CODECS).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    expect(codecId('zstd')).toBe(4);
  });

  it.each(CODECS)('%s round-trips empty, small and multi-block data', (codec) => {
    const id = codecId(codec);
    for (const data of [Buffer.alloc(0), Buffer.from('x'), sample()]) {
      expect(decompress(id, compress(codec, data)).equals(data)).toBe(true);
    }
  });

  it('frames snappy the way snappy-java writes it: xerial header, then a length-prefixed block per 32 KiB', () => {
    const data = sample();
    const out = compress('snappy', data);
    expect(out.subarray(0, 16).toString('hex')).toBe('82534e41505059000000000100000001');
    const blocks: number[] = [];
    for (let pos = 16; pos < out.length;) {
      const length = out.readInt32BE(pos);
      blocks.push(snappy.uncompressSync(out.subarray(pos + 4, pos + 4 + length), { asBuffer: true }).length);
      pos += 4 + length;
    }
    expect(blocks).toEqual([...Array<number>(6).fill(32 * 1024), 200_000 - 6 * 32 * 1024]);
  });

  it('reads raw snappy without the xerial header', () => {
    const data = sample();
    expect(decompress(codecId('snappy'), snappy.compressSync(data)).equals(data)).toBe(true);
  });

  it("frames lz4 as Kafka's KafkaLZ4BlockOutputStream: its 7-byte header, 64 KiB blocks, incompressible ones stored raw", () => {
    const data = sample();
    const out = compress('lz4', data);
    // magic, FLG 0x60 (v1, independent blocks), BD 0x40 (64 KiB), header checksum (xxh32 >> 8) & 0xff
    expect(out.subarray(0, 7).toString('hex')).toBe('04224d18604082');
    const blocks: string[] = [];
    let pos = 7;
    for (;;) {
      const word = out.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      blocks.push(word & 0x80000000 ? 'raw' : 'lz4');
      pos += word & 0x7fffffff;
    }
    expect(pos).toBe(out.length);
    // block 1 holds the compressible text; blocks 2-4 hold noise only
    expect(blocks).toEqual(['lz4', 'raw', 'raw', 'raw']);
  });

  it('reads an lz4 frame with block checksums, content size and content checksum (lz4 CLI)', () => {
    const frame = readFileSync(new URL('lz4-cli-checksums.lz4', fixtures));
    let text = '';
    for (let i = 0; i < 5000; i++) text += `ktc lz4 block checksum line ${i}\n`;
    expect(decompress(codecId('lz4'), frame).toString()).toBe(text);
    const corrupt = Buffer.from(frame);
    corrupt[100] = defined(corrupt[100]) ^ 1;
    expect(() => decompress(codecId('lz4'), corrupt)).toThrow('lz4 block checksum mismatch');
  });

  it('refuses an lz4 frame whose header checksum is wrong (what pre-0.10 Kafka clients wrote)', () => {
    const frame = compress('lz4', Buffer.from('hello'));
    frame[6] = 0x00;
    expect(() => decompress(codecId('lz4'), frame)).toThrow('lz4 frame header checksum mismatch');
  });

  it('turns data that does not decompress into CompressionError, for every codec', () => {
    const garbage = Buffer.from('definitely not compressed data, just text');
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      expect(() => decompress(codecId(codec), garbage), codec).toThrow(CompressionError);
    }
    const cut = gzipSync(sample()).subarray(0, 1000);
    expect(() => decompress(codecId('gzip'), cut)).toThrow(/^gzip data does not decompress/);
    expect(() => decompress(6, garbage)).toThrow('unknown compression codec id 6');
  });
});

describe('a codec whose native binary is missing', () => {
  it("says which package is missing, or (Node >= 22.15) falls back to zlib's zstd", async () => {
    const Module = createRequire(import.meta.url)('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = Module._load;
    Module._load = (request: string, ...rest: unknown[]) => {
      if (request === '@toondepauw/node-zstd') throw new Error(`Cannot find module '${request}'`);
      return load(request, ...rest);
    };
    try {
      vi.resetModules();
      const fresh = await import('../../../src/engine/wire/compression.js');
      const data = Buffer.from('{"event": "click"} '.repeat(100));
      if (typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function') {
        expect(fresh.zstdImplementation()).toBe('zlib');
        expect(fresh.decompress(4, fresh.compress('zstd', data)).equals(data)).toBe(true);
        // and the addon reads zlib's frames
        expect(decompress(4, fresh.compress('zstd', data)).equals(data)).toBe(true);
      } else {
        expect(() => fresh.compress('zstd', data)).toThrow(
          `zstd needs the npm package @toondepauw/node-zstd with its binary for ${process.platform}-${process.arch}, which could not be loaded (Cannot find module '@toondepauw/node-zstd'); reinstall ktc with its optional dependencies, or use another codec`,
        );
      }
    } finally {
      Module._load = load;
      vi.resetModules();
    }
    expect(zstdImplementation()).toBe('addon');
  });
});
