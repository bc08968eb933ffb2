import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../../src/engine/wire/bufferPool.js';

describe('BufferPool: produce request buffers reused after their answer', () => {
  it('gives back a returned buffer for a request that fits in it, and a new one otherwise', () => {
    const pool = new BufferPool(2, 2 ** 30);
    const first = pool.take(1_300_000);
    expect(first.length).toBe(2 ** 21); // rounded up to a power of two
    pool.give(first);
    expect(pool.take(1_300_100)).toBe(first);
    pool.give(first);
    const bigger = pool.take(3_000_000);
    expect(bigger).not.toBe(first);
    expect(bigger.length).toBeGreaterThanOrEqual(3_000_000);
    expect(pool.spare).toBe(1); // the small one is still there for the next small request
  });

  it('two requests taken at once never share a buffer', () => {
    const pool = new BufferPool(4, 2 ** 30);
    pool.give(pool.take(1000));
    const a = pool.take(1000);
    const b = pool.take(1000);
    expect(a).not.toBe(b);
    expect(pool.spare).toBe(0);
  });

  it('keeps at most its number of spares', () => {
    const pool = new BufferPool(2, 2 ** 30);
    const taken = [pool.take(10), pool.take(10), pool.take(10)];
    for (const b of taken) pool.give(b);
    expect(pool.spare).toBe(2);
  });

  it('when full, keeps the largest spares: small early requests do not crowd out full-sized ones', () => {
    const pool = new BufferPool(2, 2 ** 30);
    const small = [pool.take(1000), pool.take(1000)];
    for (const b of small) pool.give(b);
    const big = pool.take(1_000_000);
    pool.give(big);
    expect(pool.spare).toBe(2);
    expect(pool.take(1_000_000)).toBe(big);
  });

  it('keeps at most its number of bytes', () => {
    const pool = new BufferPool(8, 3 * 2 ** 20);
    const taken = [pool.take(2 ** 20), pool.take(2 ** 20), pool.take(2 ** 20), pool.take(2 ** 20)];
    for (const b of taken) pool.give(b);
    expect(pool.spare).toBe(3);
    pool.give(pool.take(2 ** 23)); // larger than every limit allows: not kept, and it costs no smaller spare
    expect(pool.spare).toBe(3);
  });
});
