import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../../src/engine/wire/bufferPool.js';

describe('BufferPool: produce request buffers reused after their answer', () => {
  it('gives back a returned buffer for a request that fits in it, and a new one otherwise', () => {
    const pool = new BufferPool(2);
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
    const pool = new BufferPool(4);
    pool.give(pool.take(1000));
    const a = pool.take(1000);
    const b = pool.take(1000);
    expect(a).not.toBe(b);
    expect(pool.spare).toBe(0);
  });

  it('keeps at most its number of spares', () => {
    const pool = new BufferPool(2);
    const taken = [pool.take(10), pool.take(10), pool.take(10)];
    for (const b of taken) pool.give(b);
    expect(pool.spare).toBe(2);
  });
});
