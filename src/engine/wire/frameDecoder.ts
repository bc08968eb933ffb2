import { connectionError } from './protocolErrors.js';

/** No Kafka response comes near this; a larger size means the stream is not Kafka's framing (or is corrupt). */
export const MAX_FRAME_BYTES = 1024 * 1024 * 1024;

/** Frames up to this size share receive buffers of this size; a larger frame is received into a buffer of its own. */
const CHUNK = 64 * 1024;
/** Reading into less room than this would take a system call for a few bytes: start a new buffer instead. */
const MIN_ROOM = 4 * 1024;
const EMPTY = Buffer.alloc(0);
/** Where the bytes of a stream already found broken go: nothing reads them. */
const DISCARD = Buffer.allocUnsafeSlow(MIN_ROOM);

/**
 * Splits a byte stream into Kafka frames (int32 size, then that many bytes).
 * received() throws a retriable connection error for a size no Kafka response
 * can have, and again on every later call: the stream cannot be resynchronised,
 * so the connection must be closed. readBuffer() never throws, because the
 * socket calls it outside any handler of ours (an exception there is uncaught
 * and ends the process); it hands out a scratch buffer once the stream is broken.
 *
 * The socket reads straight into the decoder's buffers (net.Socket's
 * `onread`: readBuffer() then received()), and a large frame, once its size
 * is known, into one buffer of exactly its size: a 16 MB fetch response is
 * neither copied nor assembled from chunks. A consumer that is done with a
 * large frame hands it back (release), and the next large frame reuses its
 * memory: allocating 16 MB per fetch made V8 collect garbage for "external
 * memory pressure" every few fetches, a tenth of the consumer's time.
 * Frames handed out are never written to again unless released.
 */
export class FrameDecoder {
  private buf: Buffer = EMPTY;
  /** Where the frame being received starts in buf (its 4-byte size first). */
  private start = 0;
  /** Bytes of buf received so far. */
  private filled = 0;
  /** A released large frame's memory, for the next large frame. */
  private spare: Buffer | undefined;
  /** Set once the stream carried a size no Kafka response has. */
  private broken: Error | undefined;

  constructor(
    private readonly address: string,
    private readonly onFrame: (frame: Buffer) => void,
  ) {}

  /** Where the next bytes from the socket go (all of the returned buffer may be filled). */
  readBuffer(): Buffer {
    const end = this.frameEndUnlessBroken();
    if (end === undefined) return DISCARD;
    if (end > this.buf.length || (end < 0 && this.buf.length - this.filled < MIN_ROOM)) this.relocate(end);
    return this.buf.subarray(this.filled);
  }

  /** `n` bytes were read into the buffer readBuffer() returned; delivers the frames they complete. */
  received(n: number): void {
    if (this.broken) throw this.broken;
    this.filled += n;
    while (this.filled - this.start >= 4) {
      const end = this.frameEnd();
      if (end > this.filled) return;
      const frame = this.buf.subarray(this.start + 4, end);
      this.start = end;
      if (this.start === this.buf.length) {
        // Full: the next bytes go to a new buffer, so a released frame never shares memory with the one being filled.
        this.buf = EMPTY;
        this.start = this.filled = 0;
      }
      this.onFrame(frame);
    }
  }

  /** For a socket that delivers its own chunks (TLS): copies them in. */
  push(chunk: Buffer): void {
    for (let at = 0; at < chunk.length;) {
      const n = chunk.copy(this.readBuffer(), 0, at);
      at += n;
      this.received(n);
    }
  }

  /**
   * The caller keeps no reference into `frame` (or anything sliced from it):
   * a large frame's memory is reused for the next large frame.
   */
  release(frame: Buffer): void {
    const memory = frame.buffer;
    if (memory.byteLength <= CHUNK || memory === this.buf.buffer) return;
    if (!this.spare || memory.byteLength > this.spare.length) this.spare = Buffer.from(memory);
  }

  /** frameEnd(), or undefined when the stream is broken: the received() that follows throws the error it recorded. */
  private frameEndUnlessBroken(): number | undefined {
    if (this.broken) return undefined;
    try {
      return this.frameEnd();
    } catch {
      return undefined;
    }
  }

  /** End (in buf) of the frame being received, once its size has arrived; -1 before. */
  private frameEnd(): number {
    if (this.filled - this.start < 4) return -1;
    const size = this.buf.readInt32BE(this.start);
    // A response holds at least its correlation id.
    if (size < 4 || size > MAX_FRAME_BYTES) {
      this.broken = connectionError(`${this.address} sent a response frame of ${size} bytes, which is not Kafka's framing (wrong port or protocol?)`);
      throw this.broken;
    }
    return this.start + 4 + size;
  }

  /** Moves the part of the frame received so far to the start of a buffer with room for all of it. */
  private relocate(end: number): void {
    const need = end < 0 ? 0 : end - this.start;
    let next: Buffer;
    if (need <= CHUNK) next = Buffer.allocUnsafeSlow(CHUNK);
    else if (this.spare && this.spare.length >= need) {
      next = this.spare.subarray(0, need);
      this.spare = undefined;
    } else next = Buffer.allocUnsafeSlow(need);
    this.buf.copy(next, 0, this.start, this.filled);
    this.filled -= this.start;
    this.start = 0;
    this.buf = next;
  }
}
