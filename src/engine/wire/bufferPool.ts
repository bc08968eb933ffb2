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
  private freeBytes = 0;

  /**
   * Keeps at most `keep` spare buffers (the most requests that can be in
   * flight at once is a good number) of at most `keepBytes` together.
   */
  constructor(
    private readonly keep: number,
    private readonly keepBytes: number,
  ) {}

  /** A buffer of at least `size` bytes, its contents undefined. */
  take(size: number): Buffer {
    const i = this.free.findLastIndex((buf) => buf.length >= size);
    if (i >= 0) {
      const buf = this.free.splice(i, 1)[0] as Buffer;
      this.freeBytes -= buf.length;
      return buf;
    }
    // Rounded up to a power of two, so a request a few bytes longer than the last still finds a spare one.
    return Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(Math.max(size, 1024))));
  }

  /**
   * Returns a buffer nothing reads or writes any more. Past either limit the
   * smallest spares go to the collector: a larger buffer serves every
   * request a smaller one could, so early small requests never crowd out
   * the full-sized ones that follow.
   */
  give(buf: Buffer): void {
    if (buf.length > this.keepBytes) return;
    this.free.push(buf);
    this.freeBytes += buf.length;
    while (this.free.length > this.keep || this.freeBytes > this.keepBytes) {
      let smallest = 0;
      for (let i = 1; i < this.free.length; i++) if ((this.free[i]?.length ?? 0) < (this.free[smallest]?.length ?? 0)) smallest = i;
      this.freeBytes -= (this.free.splice(smallest, 1)[0] as Buffer).length;
    }
  }

  /** Spare buffers held (for tests). */
  get spare(): number {
    return this.free.length;
  }
}
