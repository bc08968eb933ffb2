import { describe, expect, it } from 'vitest';
import { Reader, Writer } from '../../../src/engine/wire/codec.js';
import { crc32c, crc32cAddon, crc32cJs } from '../../../src/engine/wire/crc32c.js';
import { requireNativeAddon } from '../../../src/shipped/nativeAddon.js';
import { writeRecordBatch } from '../../../src/engine/wire/recordBatch.js';
import { ScramClient } from '../../../src/engine/wire/scram.js';
import { defined, present } from '../../../src/defined.js';
import { BufferValueList } from '../../../src/engine/bufferValueList.js';

/** Reads a zigzag varint the way a broker does. */
function readVarint(buf: Buffer, at: { pos: number }): number {
  let shift = 0;
  let z = 0;
  for (;;) {
    const b = defined(buf[at.pos++]);
    z |= (b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  return (z >>> 1) ^ -(z & 1);
}

describe('CRC-32C', () => {
  it('matches the standard check value and a byte-at-a-time reference', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
    let ref = 0xffffffff;
    for (const byte of data) {
      ref ^= byte;
      for (let k = 0; k < 8; k++) ref = ref & 1 ? 0x82f63b78 ^ (ref >>> 1) : ref >>> 1;
    }
    // 1000 bytes go to the native addon, 14 stay in JS: both agree with the reference
    expect(crc32c(data)).toBe((ref ^ 0xffffffff) >>> 0);
    expect(crc32cJs(data)).toBe((ref ^ 0xffffffff) >>> 0);
    expect(crc32c(data, 3, 17)).toBe(crc32c(data.subarray(3, 17)));
    expect(crc32c(data, 5, 900)).toBe(crc32cJs(data, 5, 900));
  });

  it("uses ktc's own addon where the build compiled it (x86-64 with a C compiler, as here)", () => {
    expect(crc32cAddon).toBe('ktc-crc32c');
  });

  it("ktc's own addon agrees with JS across its three-stream block sizes, from every alignment", () => {
    const own = (requireNativeAddon('ktc-crc32c') as { crc32c: (b: Uint8Array, start: number, end: number) => number }).crc32c;
    const data = Buffer.alloc(3 * 8192 * 2 + 3 * 256 * 3 + 64);
    let seed = 12345;
    for (let i = 0; i < data.length; i++) data[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    // Around each block size the addon switches between: 3 x 8192 and 3 x 256 bytes, 8-byte words, single bytes.
    const lengths = [0, 1, 7, 8, 9, 63, 64, 767, 768, 769, 1000, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 769, 2 * 3 * 8192 + 3 * 768 + 13];
    for (const start of [0, 1, 3, 7, 8]) {
      for (const length of lengths) {
        expect(own(data, start, start + length), `start ${start}, length ${length}`).toBe(crc32cJs(data, start, start + length));
      }
    }
    expect(own(Buffer.from('123456789'), 0, 9)).toBe(0xe3069283);
    expect(() => own(data, 10, 5)).toThrow(RangeError);
    expect(() => own(data, 0, data.length + 1)).toThrow(RangeError);
  });
});

describe('codec', () => {
  it('writes zigzag varints as Kafka reads them', () => {
    const w = new Writer(4);
    const values = [0, -1, 1, 63, -64, 64, 300, -300, 2 ** 20, 2 ** 30 - 1];
    for (const v of values) w.varint(v);
    const buf = w.result();
    const at = { pos: 0 };
    expect(values.map(() => readVarint(buf, at))).toEqual(values);
    expect(at.pos).toBe(buf.length);
  });

  it('round-trips strings, bytes and arrays', () => {
    const w = new Writer(2);
    w.string('topic-ä')
      .string(null)
      .bytes(Buffer.from('xyz'))
      .array([1, 2, 3], (n) => w.int32(n))
      .int64(2 ** 40);
    const r = new Reader(w.result());
    expect(r.string()).toBe('topic-ä');
    expect(r.string()).toBeNull();
    expect(present(r.bytes()).toString()).toBe('xyz');
    expect(r.array(() => r.int32())).toEqual([1, 2, 3]);
    expect(r.int64()).toBe(2n ** 40n);
  });
});

describe('record batch (magic 2)', () => {
  it('lays out the header, records and a CRC-32C over attributes..end', () => {
    const values = [Buffer.from('a'), Buffer.alloc(200, 7), Buffer.from('{"x": 1}')];
    const w = new Writer(8);
    writeRecordBatch(w, new BufferValueList(values), 1_795_550_803_176);
    const b = w.result();
    expect(b.readBigInt64BE(0)).toBe(0n);
    expect(b.readInt32BE(8)).toBe(b.length - 12);
    expect(b.readInt8(16)).toBe(2);
    expect(b.readUInt32BE(17)).toBe(crc32c(b, 21));
    expect(b.readInt32BE(23)).toBe(values.length - 1);
    expect(Number(b.readBigInt64BE(27))).toBe(1_795_550_803_176);
    expect(b.readBigInt64BE(43)).toBe(-1n);
    expect(b.readInt32BE(57)).toBe(values.length);
    const at = { pos: 61 };
    values.forEach((value, i) => {
      const length = readVarint(b, at);
      const end = at.pos + length;
      expect(b[at.pos++]).toBe(0);
      expect(readVarint(b, at)).toBe(0);
      expect(readVarint(b, at)).toBe(i);
      expect(readVarint(b, at)).toBe(-1);
      const size = readVarint(b, at);
      expect(b.subarray(at.pos, at.pos + size)).toEqual(value);
      at.pos += size;
      expect(readVarint(b, at)).toBe(0);
      expect(at.pos).toBe(end);
    });
    expect(at.pos).toBe(b.length);
  });
});

describe('SCRAM client', () => {
  it("reproduces RFC 7677's SCRAM-SHA-256 exchange", () => {
    const client = new ScramClient('sha256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    expect(client.firstMessage().toString()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const final = client.finalMessage(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
    expect(final.toString()).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(() => client.verifyServerFinal(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).not.toThrow();
    expect(() => client.verifyServerFinal(Buffer.from('v=AAAA'))).toThrow(/SASL_AUTHENTICATION_FAILED/);
  });

  it('refuses a server nonce that does not extend its own', () => {
    const client = new ScramClient('sha512', 'u', 'p', 'abc');
    expect(() => client.finalMessage(Buffer.from('r=xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'))).toThrow(/invalid SCRAM challenge/);
  });
});
