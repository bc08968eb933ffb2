import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../src/engine/wire/frameDecoder.js';
import { defined } from '../../../src/defined.js';

/** A Kafka frame: int32 size, then `body`. */
function frame(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(body.length);
  return Buffer.concat([head, body]);
}

function body(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (seed * 31 + i) & 0xff;
  return b;
}

/** Digests, so that comparing large buffers takes microseconds, not vitest's element-by-element diff. */
const digests = (buffers: Buffer[]): string[] => buffers.map((b) => `${b.length}:${createHash('sha1').update(b).digest('hex')}`);

/** Feeds `stream` as the socket's onread would: into readBuffer(), at most `step` bytes per read. */
function feed(decoder: FrameDecoder, stream: Buffer, step: number): void {
  for (let at = 0; at < stream.length;) {
    const target = decoder.readBuffer();
    const n = stream.copy(target, 0, at, Math.min(stream.length, at + step));
    at += n;
    decoder.received(n);
  }
}

describe('FrameDecoder', () => {
  const bodies = [body(4, 1), body(100, 2), body(70_000, 3), body(5, 4), body(300_000, 5), body(64 * 1024 - 4, 6)];
  const stream = Buffer.concat(bodies.map(frame));

  for (const step of [1, 3, 4096, 65_536, 1 << 20]) {
    it(`delivers every frame whole and in order when reads are ${step} bytes (onread)`, () => {
      const got: Buffer[] = [];
      // Byte-sized reads over the small frames only: a read per byte of 400 KB would take seconds.
      const input = step < 4096 ? Buffer.concat(bodies.slice(0, 3).map(frame)) : stream;
      feed(new FrameDecoder('b:9092', (f) => got.push(Buffer.from(f))), input, step);
      expect(digests(got)).toEqual(digests(step < 4096 ? bodies.slice(0, 3) : bodies));
    });
  }

  it('delivers the same from chunks a TLS socket hands over (push)', () => {
    const got: Buffer[] = [];
    const decoder = new FrameDecoder('b:9092', (f) => got.push(Buffer.from(f)));
    for (let at = 0; at < stream.length; at += 10_007) decoder.push(stream.subarray(at, at + 10_007));
    expect(digests(got)).toEqual(digests(bodies));
  });

  it('never writes into a frame it handed out that was not released', () => {
    const kept: Buffer[] = [];
    const decoder = new FrameDecoder('b:9092', (f) => kept.push(f)); // views, not copies
    feed(decoder, stream, 65_536);
    feed(decoder, Buffer.concat([body(200_000, 7), body(90_000, 8)].map(frame)), 65_536);
    expect(digests(kept.slice(0, bodies.length))).toEqual(digests(bodies));
  });

  it('receives the next large frame into the memory of one released before it, and a small frame never', () => {
    const got: Buffer[] = [];
    const decoder = new FrameDecoder('b:9092', (f) => got.push(f));
    feed(decoder, frame(body(500_000, 1)), 65_536);
    const first = defined(got[0]);
    decoder.release(first);
    feed(decoder, frame(body(400_000, 2)), 65_536);
    expect(defined(got[1]).buffer).toBe(first.buffer);
    expect(digests([defined(got[1])])).toEqual(digests([body(400_000, 2)]));
    // Not released: the one after gets memory of its own.
    feed(decoder, frame(body(300_000, 3)), 65_536);
    expect(defined(got[2]).buffer).not.toBe(defined(got[1]).buffer);
    expect(digests([defined(got[1])])).toEqual(digests([body(400_000, 2)]));
    feed(decoder, frame(body(10, 4)), 65_536);
    decoder.release(defined(got[3]));
    feed(decoder, frame(body(10, 5)), 65_536);
    expect(digests([defined(got[3])])).toEqual(digests([body(10, 4)]));
  });

  it('rejects a size no Kafka response has, as a retriable connection error', () => {
    const decoder = new FrameDecoder('b:9092', () => undefined);
    const bad = Buffer.alloc(8);
    bad.writeInt32BE(2);
    let error: unknown;
    try {
      feed(decoder, bad, 8);
    } catch (err) {
      error = err;
    }
    expect((error as { retriable?: boolean }).retriable).toBe(true);
    expect((error as Error).message).toContain('b:9092 sent a response frame of 2 bytes');
  });

  it('never throws from readBuffer, which the socket calls outside any handler, and keeps failing once the stream is broken', () => {
    const decoder = new FrameDecoder('b:9092', () => undefined);
    const bad = Buffer.alloc(8);
    bad.writeInt32BE(-5);
    const target = decoder.readBuffer();
    bad.copy(target);
    expect(() => decoder.received(8)).toThrow(/sent a response frame of -5 bytes/);
    expect(() => decoder.readBuffer()).not.toThrow();
    expect(decoder.readBuffer().length).toBeGreaterThan(0);
    expect(() => decoder.received(4)).toThrow(/sent a response frame of -5 bytes/);
  });

  it('does not throw from readBuffer when a frame handler threw before the next size was checked', () => {
    const good = frame(body(4, 1));
    const bad = Buffer.alloc(4);
    bad.writeInt32BE(2);
    const decoder = new FrameDecoder('b:9092', () => {
      throw new Error('handler failed');
    });
    const target = decoder.readBuffer();
    Buffer.concat([good, bad]).copy(target);
    expect(() => decoder.received(good.length + 4)).toThrow('handler failed');
    expect(() => decoder.readBuffer()).not.toThrow();
    expect(() => decoder.received(1)).toThrow(/sent a response frame of 2 bytes/);
  });
});
