/**
 * Produce request buffers, reused once the broker has answered. A request
 * is a MiB or more; allocating one per send made the first write of each
 * page a page fault and left the garbage collector MiBs of external memory
 * to find (together about a tenth of the producer's time at 100-byte
 * records). A buffer comes back only after its response arrived: the broker
 * had every byte by then, so the socket no longer reads it.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  /** Keeps at most `keep` spare buffers (the most requests that can be in flight at once is a good number). */
  constructor(private readonly keep: number) {}

  /** A buffer of at least `size` bytes, its contents undefined. */
  take(size: number): Buffer {
    const i = this.free.findLastIndex((buf) => buf.length >= size);
    if (i >= 0) return this.free.splice(i, 1)[0] as Buffer;
    // Rounded up to a power of two, so a request a few bytes longer than the last still finds a spare one.
    return Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(Math.max(size, 1024))));
  }

  /** Returns a buffer nothing reads or writes any more; kept while there is room, else left to the collector. */
  give(buf: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buf);
  }

  /** Spare buffers held (for tests). */
  get spare(): number {
    return this.free.length;
  }
}
