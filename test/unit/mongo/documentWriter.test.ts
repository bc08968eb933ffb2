import { describe, expect, it } from 'vitest';
import type { MessageDocument } from '../../../src/mongo/documents.js';
import { DocumentWriter, type DocumentCollection, type InsertOutcome } from '../../../src/mongo/documentWriter.js';

/** A collection that stores by _id like MongoDB, and whose inserts the test can hold back. */
class FakeCollection implements DocumentCollection {
  readonly stored = new Map<unknown, MessageDocument>();
  readonly inserts: number[] = [];
  readonly duplicateMarks: unknown[][] = [];
  holdInserts = false;
  failWith: Error | undefined;
  private held: Array<() => void> = [];
  concurrent = 0;
  maxConcurrent = 0;

  async insertUnordered(docs: MessageDocument[]): Promise<InsertOutcome> {
    this.inserts.push(docs.length);
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      if (this.holdInserts) await new Promise<void>((resolve) => this.held.push(resolve));
      if (this.failWith) throw this.failWith;
      const duplicateIds: unknown[] = [];
      let inserted = 0;
      for (const doc of docs) {
        if (this.stored.has(doc._id)) duplicateIds.push(doc._id);
        else {
          this.stored.set(doc._id, doc);
          inserted++;
        }
      }
      return { inserted, duplicateIds, failed: [] };
    } finally {
      this.concurrent--;
    }
  }

  countDuplicates(ids: unknown[]): Promise<void> {
    this.duplicateMarks.push(ids);
    return Promise.resolve();
  }

  release(): void {
    this.holdInserts = false;
    for (const r of this.held.splice(0)) r();
  }
}

const values = (from: number, count: number): Buffer[] =>
  Array.from({ length: count }, (_, i) => Buffer.from(JSON.stringify({ _id: `id-${from + i}`, n: from + i })));
const toDoc = (value: Buffer): MessageDocument | undefined => {
  try {
    return JSON.parse(value.toString()) as MessageDocument;
  } catch {
    return undefined;
  }
};
const options = { maxPending: 1000, batchSize: 100, maxInFlight: 2, describeError: (err: unknown) => `failed: ${(err as Error).message}` };

describe('DocumentWriter', () => {
  it('returns from add() before touching the collection, then writes everything in unordered batches', async () => {
    const collection = new FakeCollection();
    const writer = new DocumentWriter(collection, toDoc, options);
    writer.add(values(0, 250));
    // Nothing happens in the caller's stack (the send loop's ack path).
    expect(collection.inserts).toEqual([]);
    const result = await writer.finish(5000);
    expect(collection.inserts).toEqual([100, 100, 50]);
    expect(collection.maxConcurrent).toBeLessThanOrEqual(2);
    expect(result).toEqual({ written: 250, duplicates: 0, notWritten: 0, notJson: 0, errors: [] });
  });

  it('writes only the first `count` items of an array', async () => {
    const collection = new FakeCollection();
    const writer = new DocumentWriter(collection, toDoc, options);
    writer.add(values(0, 10), 4);
    expect((await writer.finish(5000)).written).toBe(4);
    expect([...collection.stored.keys()]).toEqual(['id-0', 'id-1', 'id-2', 'id-3']);
  });

  it('counts duplicates like client.py logs them, tells each one, and marks them for ktc verify', async () => {
    const collection = new FakeCollection();
    const seen: unknown[] = [];
    const writer = new DocumentWriter(collection, toDoc, { ...options, onDuplicate: (id) => seen.push(id) });
    writer.add(values(0, 5));
    writer.add(values(3, 4)); // id-3, id-4 again, id-5 and id-6 new
    const result = await writer.finish(5000);
    expect(result).toMatchObject({ written: 7, duplicates: 2, notWritten: 0 });
    expect(seen).toEqual(['id-3', 'id-4']);
    expect(collection.duplicateMarks).toEqual([['id-3', 'id-4']]);
  });

  it('bounds what waits: beyond maxPending documents are counted as not written, never held', async () => {
    const collection = new FakeCollection();
    collection.holdInserts = true;
    const writer = new DocumentWriter(collection, toDoc, { ...options, maxPending: 300 });
    writer.add(values(0, 200));
    writer.add(values(200, 200)); // 100 fit
    writer.add(values(400, 50)); // none fit
    await new Promise((r) => setImmediate(r));
    collection.release();
    const result = await writer.finish(5000);
    expect(result.written).toBe(300);
    expect(result.notWritten).toBe(150);
    expect(result.errors).toEqual([{ message: 'MongoDB fell behind: more than 300 documents were waiting to be written', count: 150 }]);
  });

  it('counts a failed insert as not written, with the reason, and goes on', async () => {
    const collection = new FakeCollection();
    collection.failWith = new Error('connection reset');
    const writer = new DocumentWriter(collection, toDoc, options);
    writer.add(values(0, 150));
    await new Promise((r) => setTimeout(r, 10));
    collection.failWith = undefined;
    writer.add(values(150, 10));
    const result = await writer.finish(5000);
    expect(result).toEqual({ written: 10, duplicates: 0, notWritten: 150, notJson: 0, errors: [{ message: 'failed: connection reset', count: 150 }] });
  });

  it('counts values that are no JSON object separately and writes the rest', async () => {
    const collection = new FakeCollection();
    const writer = new DocumentWriter(collection, toDoc, options);
    writer.add([Buffer.from('{"_id": "a"}'), Buffer.from('garbage'), Buffer.from('{"_id": "b"}')]);
    expect(await writer.finish(5000)).toMatchObject({ written: 2, notJson: 1, notWritten: 0 });
  });

  it('gives up at the deadline: queued and in-flight documents are counted as not written', async () => {
    const collection = new FakeCollection();
    collection.holdInserts = true;
    const writer = new DocumentWriter(collection, toDoc, { ...options, maxInFlight: 1 });
    writer.add(values(0, 250));
    const result = await writer.finish(50);
    expect(result.written).toBe(0);
    expect(result.notWritten).toBe(250);
    expect(result.errors).toEqual([{ message: 'not written within 0.05 s after the run ended (--timeout)', count: 250 }]);
    // An insert that completes afterwards does not change the final report.
    collection.release();
    await new Promise((r) => setTimeout(r, 10));
    expect(writer.snapshot().written).toBe(0);
  });

  it('counts what arrives while finish() drains as not written', async () => {
    const collection = new FakeCollection();
    collection.holdInserts = true;
    const writer = new DocumentWriter(collection, toDoc, options);
    writer.add(values(0, 5));
    await new Promise((r) => setImmediate(r));
    const done = writer.finish(1000);
    writer.add(values(5, 3));
    collection.release();
    expect(await done).toMatchObject({ written: 5, notWritten: 3, errors: [{ message: 'arrived after ktc stopped writing', count: 3 }] });
  });
});
