import { connectionError } from './protocolErrors.js';

/** No Kafka response comes near this; a larger size means the stream is not Kafka's framing (or is corrupt). */
export const MAX_FRAME_BYTES = 1024 * 1024 * 1024;

/**
 * Splits a byte stream into Kafka frames (int32 size, then that many bytes).
 * Throws a retriable connection error for a size no Kafka response can have;
 * the connection must then be closed, since the stream cannot be resynchronised.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being received, once its 4-byte length has arrived. */
  private frameSize = -1;

  constructor(private readonly address: string) {}

  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      if (this.frameSize < 0) {
        const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
        const size = head.readInt32BE(0);
        // A response holds at least its correlation id.
        if (size < 4 || size > MAX_FRAME_BYTES) {
          throw connectionError(`${this.address} sent a response frame of ${size} bytes, which is not Kafka's framing (wrong port or protocol?)`);
        }
        this.frameSize = size;
      }
      const size = this.frameSize;
      // Joining chunks only once the whole frame is here keeps a 16 MB fetch response linear, not quadratic.
      if (this.buffered < 4 + size) return;
      this.frameSize = -1;
      const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      const rest = data.subarray(4 + size);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      onFrame(data.subarray(4, 4 + size));
    }
  }
}
