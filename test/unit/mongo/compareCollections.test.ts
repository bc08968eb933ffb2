import { describe, expect, it } from 'vitest';
import { compareCollections } from '../../../src/mongo/compareCollections.js';

/** The async iterable compareCollections reads a collection as (a driver cursor's shape), from an array. */
function from<T>(items: T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => {
      let i = 0;
      return { next: () => Promise.resolve(i < items.length ? { value: items[i++] as T, done: false } : { value: undefined, done: true }) };
    },
  };
}

describe('ktc verify: producer against consumer', () => {
  it('counts missing, unexpected and recorded duplicates', async () => {
    const result = await compareCollections({
      producerIds: () => from(['a', 'b', 'c', 'd']),
      consumerDocs: () => from([{ _id: 'a', duplicates: 2 }, { _id: 'c' }, { _id: 'x' }, { _id: 'd', duplicates: 1 }]),
    });
    expect(result).toEqual({ produced: 4, consumed: 4, missing: 1, unexpected: 1, duplicates: 3, firstMissing: ['b'] });
  });

  it('names at most five missing ids', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `id-${i}`);
    const result = await compareCollections({ producerIds: () => from(ids), consumerDocs: () => from([]) });
    expect(result.missing).toBe(20);
    expect(result.firstMissing).toEqual(ids.slice(0, 5));
  });

  it('tells a string id from another type that prints alike', async () => {
    const result = await compareCollections({ producerIds: () => from<unknown>([1]), consumerDocs: () => from([{ _id: '1' }]) });
    expect(result).toMatchObject({ missing: 1, unexpected: 1 });
  });
});
