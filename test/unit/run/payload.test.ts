import { describe, expect, it } from 'vitest';
import { BINARY_HEADER_SIZE, minJsonRecordSize } from '../../../src/config/payloadFormat.js';
import { decodeRecord, newDecodedRecord, newProducerId, PayloadDecoder, PayloadEncoder } from '../../../src/run/payload.js';
import { defined } from '../../../src/defined.js';
import { BufferValueList, buffersOf } from '../../../src/engine/bufferValueList.js';
import { Writer } from '../../../src/engine/wire/codec.js';
import { writeRecordBatch } from '../../../src/engine/wire/recordBatch.js';

const SENT = 1_795_550_803_176_123;

describe('JSON payload (client.py compatible)', () => {
  const encoder = new PayloadEncoder({ format: 'json', origin: 'host-1 (10.0.0.7)', producerId: newProducerId() });

  it("is client.py's object: same keys, same order, Python separators", () => {
    const [value] = buffersOf(encoder.encodeBatch(41, 1, SENT));
    const text = defined(value).toString('utf8');
    expect(text).toMatch(/^\{"timestamp": 1795550803\.176123, "_id": "[0-9a-f]{32}", "origin": "host-1 \(10\.0\.0\.7\)", "content": "Message #41"\}$/);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['timestamp', '_id', 'origin', 'content']);
  });

  it('round-trips producer id, sequence number and send time through the decoder', () => {
    const values = buffersOf(encoder.encodeBatch(1_000_000, 3, SENT));
    const out = newDecodedRecord();
    values.forEach((v, i) => {
      expect(decodeRecord(v, out)).toBe('ktc');
      expect(out.seq).toBe(1_000_000 + i);
      expect(out.sentAtMicros).toBe(SENT);
    });
    expect(out.producerId).toMatch(/^6b746301[0-9a-f]{8}$/);
  });

  it('pads to --record-size with whitespace and stays valid JSON', () => {
    const padded = new PayloadEncoder({ format: 'json', origin: 'o', producerId: newProducerId(), recordSize: 300 });
    const values = buffersOf(padded.encodeBatch(7, 2, SENT));
    for (const v of values) {
      expect(v.length).toBe(300);
      expect((JSON.parse(v.toString()) as { content: string }).content).toMatch(/^Message #[78]$/);
      expect(decodeRecord(v, newDecodedRecord())).toBe('ktc');
    }
  });

  it('escapes the origin once, in the template', () => {
    const tricky = new PayloadEncoder({ format: 'json', origin: 'a "quoted" \\ origin', producerId: newProducerId() });
    const [v] = buffersOf(tricky.encodeBatch(0, 1, SENT));
    expect((JSON.parse(defined(v).toString()) as { origin: string }).origin).toBe('a "quoted" \\ origin');
  });

  it('reports the smallest record size that holds the JSON', () => {
    const size = minJsonRecordSize('o', 999);
    const fits = new PayloadEncoder({ format: 'json', origin: 'o', producerId: newProducerId(), recordSize: size });
    expect(defined(buffersOf(fits.encodeBatch(999, 1, SENT))[0]).length).toBe(size);
    const tooSmall = new PayloadEncoder({ format: 'json', origin: 'o', producerId: newProducerId(), recordSize: size - 1 });
    expect(() => buffersOf(tooSmall.encodeBatch(999, 1, SENT))).toThrow(RangeError);
  });

  it.each([
    ['o', 0],
    ['host-1 (10.0.0.7)', 999],
    ['a "quoted" \\ origin', 123_456],
    ['hôte ünïcode ✓', 10 ** 12],
  ])('the configuration computes the same smallest size as the encoder writes (origin %j, sequence %d)', (origin, seq) => {
    const unpadded = new PayloadEncoder({ format: 'json', origin, producerId: newProducerId() });
    expect(minJsonRecordSize(origin, seq)).toBe(unpadded.sizeOf(seq));
    expect(defined(buffersOf(unpadded.encodeBatch(seq, 1, SENT))[0]).length).toBe(minJsonRecordSize(origin, seq));
  });
});

describe('binary payload', () => {
  it('holds the tracking header in records as small as 28 bytes', () => {
    const encoder = new PayloadEncoder({ format: 'binary', origin: 'o', producerId: newProducerId(), recordSize: 100 });
    const [v] = buffersOf(encoder.encodeBatch(2 ** 40 + 3, 1, SENT));
    const out = newDecodedRecord();
    expect(defined(v).length).toBe(100);
    expect(decodeRecord(defined(v), out)).toBe('ktc');
    expect(out.seq).toBe(2 ** 40 + 3);
    expect(out.sentAtMicros).toBe(SENT);
    expect(() => new PayloadEncoder({ format: 'binary', origin: 'o', producerId: newProducerId(), recordSize: BINARY_HEADER_SIZE - 1 })).toThrow();
  });
});

describe('values written straight into a request', () => {
  for (const [format, recordSize] of [
    ['binary', 100],
    ['json', 200],
  ] as const) {
    it(`${format}: exactly the bytes of its values, and the same again on a retry`, () => {
      const encoder = new PayloadEncoder({ format, origin: 'o', producerId: newProducerId(), recordSize });
      const list = encoder.encodeBatch(1_000, 300, SENT).slice(20, 280);
      const written = (): Buffer => {
        const w = new Writer(128 * 1024);
        w.buf.fill(0xee); // what a reused request buffer may hold: the batch must not depend on zeros it did not write
        writeRecordBatch(w, list, 1_795_550_803_176, { producerId: 9n, producerEpoch: 0, baseSequence: 20 });
        return Buffer.from(w.result());
      };
      const reference = new Writer(8);
      writeRecordBatch(reference, new BufferValueList(buffersOf(list)), 1_795_550_803_176, { producerId: 9n, producerEpoch: 0, baseSequence: 20 });
      expect(list.length).toBe(260);
      expect(list.byteLength).toBe(260 * recordSize);
      expect(written().equals(reference.result())).toBe(true);
      expect(written().equals(written())).toBe(true);
      const out = newDecodedRecord();
      expect(decodeRecord(list.value(0), out)).toBe('ktc');
      expect(out.seq).toBe(1_020);
      expect(out.sentAtMicros).toBe(SENT);
      expect(decodeRecord(list.value(259), out)).toBe('ktc');
      expect(out.seq).toBe(1_279);
      if (format === 'json') expect((JSON.parse(list.value(259).toString('utf8')) as { content: string }).content).toBe('Message #1279');
      expect(() => list.value(260)).toThrow(RangeError);
    });
  }

  // Records are written once per layout and copied (ValueList.patchTo): the copies must be the values' own bytes
  // where the offsetDelta varint grows (at 64 and 8192) and where JSON's "Message #N" gains a digit.
  for (const [format, recordSize, firstSeq, count] of [
    ['binary', 100, 0, 1],
    ['binary', 100, 4_294_967_200, 8_300],
    ['json', 200, 9_990, 100],
    ['json', 200, 99_950, 8_200],
  ] as const) {
    it(`${format}: ${count} records from sequence ${firstSeq} are each value's own bytes`, () => {
      const list = new PayloadEncoder({ format, origin: 'o', producerId: newProducerId(), recordSize }).encodeBatch(firstSeq, count, SENT);
      const w = new Writer(2 * 1024 * 1024);
      w.buf.fill(0xee); // a reused request buffer's old bytes
      writeRecordBatch(w, list, 1_795_550_803_176);
      const reference = new Writer(8);
      writeRecordBatch(reference, new BufferValueList(buffersOf(list)), 1_795_550_803_176);
      expect(w.result().equals(reference.result())).toBe(true);
      const out = newDecodedRecord();
      expect(decodeRecord(list.value(count - 1), out)).toBe('ktc');
      expect(out.seq).toBe(firstSeq + count - 1);
    });
  }
});

describe('producer ids across interleaved producers', () => {
  it('gives each record its own producer id when records of two producers alternate, in both formats', () => {
    for (const format of ['binary', 'json'] as const) {
      const ids = [newProducerId(), newProducerId()];
      const encoders = ids.map((producerId) => new PayloadEncoder({ format, origin: 'o', producerId, recordSize: 200 }));
      const out = newDecodedRecord();
      const seen: string[] = [];
      for (const i of [0, 0, 1, 0, 1, 1]) {
        expect(decodeRecord(defined(buffersOf(defined(encoders[i]).encodeBatch(7, 1, SENT))[0]), out)).toBe('ktc');
        seen.push(out.producerId);
      }
      const [a, b] = ids.map((id) => id.toString('hex'));
      expect(a).not.toBe(b);
      expect(seen).toEqual([a, a, b, a, b, b]);
    }
  });
});

describe('decoding what others produced', () => {
  it("recognises client.py's messages as JSON that ktc did not produce", () => {
    const theirs = Buffer.from(
      '{"timestamp": 1732473000.1234567, "_id": "9f1c2d3e4b5a69788796a5b4c3d2e1f0", "origin": "x (1.2.3.4)", "content": "Message #1"}',
    );
    expect(decodeRecord(theirs, newDecodedRecord())).toBe('json');
  });

  it('counts values that are not JSON objects as foreign', () => {
    for (const v of ['hello', '[1,2]', '42', '{"broken": ']) expect(decodeRecord(Buffer.from(v), newDecodedRecord())).toBe('foreign');
  });

  it('counts a record without a value (a tombstone) as null, not as foreign bytes', () => {
    expect(decodeRecord(null, newDecodedRecord())).toBe('null');
    expect(decodeRecord(Buffer.alloc(0), newDecodedRecord())).toBe('foreign');
  });
});

describe('PayloadDecoder.decodeAt: a value read where it arrived, inside a larger buffer', () => {
  it('decodes ktc values of both formats at an offset, and classifies bytes only within their length', () => {
    const decoder = new PayloadDecoder();
    const decodeValue = decoder.decodeAt.bind(decoder);
    for (const format of ['binary', 'json'] as const) {
      const encoder = new PayloadEncoder({ format, origin: 'o', producerId: newProducerId(), recordSize: 200 });
      const value = defined(buffersOf(encoder.encodeBatch(12_345, 1, SENT))[0]);
      const fetched = Buffer.concat([Buffer.from('xyz'), value, Buffer.from('{}')]);
      const out = newDecodedRecord();
      expect(decodeValue(fetched, 3, value.length, out)).toBe('ktc');
      expect([out.seq, out.sentAtMicros]).toEqual([12_345, SENT]);
      // The same bytes cut short are not ktc's; what follows them in the buffer must not be read.
      expect(decodeValue(fetched, 3, 20, out)).toBe('foreign');
    }
    const other = Buffer.from('..{"a": 1}..');
    expect(decodeValue(other, 2, 8, newDecodedRecord())).toBe('json');
    expect(decodeValue(other, 2, 7, newDecodedRecord())).toBe('foreign');
  });
});

describe('PayloadDecoder: what consecutive values share is remembered, never assumed', () => {
  // Producer ids that differ only in their last byte: the last hex digit of the JSON _id's producer half.
  const idA = Buffer.from('ktc\x01\x00\x00\x00\x01', 'latin1');
  const idB = Buffer.from('ktc\x01\x00\x00\x00\x02', 'latin1');

  for (const format of ['json', 'binary'] as const) {
    it(`${format}: values from alternating producers and send times each decode to their own`, () => {
      const a = new PayloadEncoder({ format, origin: 'o', producerId: idA, recordSize: 120 });
      const b = new PayloadEncoder({ format, origin: 'o', producerId: idB, recordSize: 120 });
      const values = [
        { v: buffersOf(a.encodeBatch(7, 2, SENT)), id: idA, sent: SENT, seq: 7 },
        { v: buffersOf(b.encodeBatch(7, 2, SENT)), id: idB, sent: SENT, seq: 7 },
        { v: buffersOf(b.encodeBatch(9, 2, SENT + 1)), id: idB, sent: SENT + 1, seq: 9 },
        { v: buffersOf(a.encodeBatch(9, 2, SENT + 1)), id: idA, sent: SENT + 1, seq: 9 },
      ];
      const decoder = new PayloadDecoder();
      const out = newDecodedRecord();
      for (const { v, id, sent, seq } of values) {
        for (let i = 0; i < v.length; i++) {
          expect(decoder.decode(defined(v[i]), out)).toBe('ktc');
          expect(out).toEqual({ producerId: id.toString('hex'), seq: seq + i, sentAtMicros: sent });
        }
      }
    });
  }

  it("a JSON value with a known head but a broken sequence number is not taken for ktc's", () => {
    const encoder = new PayloadEncoder({ format: 'json', origin: 'o', producerId: idA, recordSize: 120 });
    const [good, bad] = buffersOf(encoder.encodeBatch(1, 2, SENT)).map((v) => Buffer.from(v));
    const broken = defined(bad);
    broken[broken.indexOf('"', 60) - 1] = 'x'.charCodeAt(0); // last hex digit of the sequence number
    const decoder = new PayloadDecoder();
    expect(decoder.decode(defined(good), newDecodedRecord())).toBe('ktc');
    expect(decoder.decode(broken, newDecodedRecord())).toBe('json');
  });
});
