import { performance } from 'node:perf_hooks';
import type { CollectionWrites } from './mongoResult.js';
import type { MessageDocument } from './documents.js';
import { defined } from '../defined.js';

/** What one unordered insert did: every document is either inserted, a duplicate, or failed. */
export interface InsertOutcome {
  inserted: number;
  /** _ids the collection already held (E11000 duplicate key). */
  duplicateIds: unknown[];
  /** Documents refused for other reasons, by reason. */
  failed: Array<{ message: string; count: number }>;
}

/** One collection as the writer needs it: the driver adapter implements it, unit tests fake it. */
export interface DocumentCollection {
  /** Rejects only when nothing is known of the documents' fate (unreachable server, timeout). */
  insertUnordered(docs: MessageDocument[]): Promise<InsertOutcome>;
  /** Records that these documents' messages were consumed again. */
  countDuplicates(ids: unknown[]): Promise<void>;
}

export interface WriterOptions {
  /** Documents waiting to be written; beyond this, new ones are counted as not written rather than held. */
  maxPending: number;
  /** Documents per insert. */
  batchSize: number;
  /** Inserts under way at once. */
  maxInFlight: number;
  /** Turns an insert's rejection into a one-line reason. */
  describeError: (err: unknown) => string;
  onDuplicate?: (id: unknown) => void;
}

export const DEFAULT_WRITER_LIMITS = { maxPending: 100_000, batchSize: 1000, maxInFlight: 2 } as const;

interface Chunk<T> {
  items: readonly T[];
  next: number;
  end: number;
  /** Epoch ms (sub-ms precision, the clock ktc stamps sent messages with) when the chunk arrived: a consumed message's consumption time. */
  atMs: number;
}

/**
 * Writes the documents of acknowledged or consumed messages to one collection, off the send and consume paths:
 * add() only queues the caller's array (no parsing, no I/O) and returns; conversion to documents and unordered
 * inserts run later, a few at a time. The queue is bounded: when MongoDB falls behind, what does not fit is
 * counted as not written instead of slowing Kafka down or growing without limit.
 */
export class DocumentWriter<T> {
  private readonly queue: Array<Chunk<T>> = [];
  private pending = 0;
  private inFlight = 0;
  private inFlightDocs = 0;
  private scheduled = false;
  private closed = false;
  private final: CollectionWrites | undefined;
  private idle: (() => void) | undefined;
  private readonly writes: CollectionWrites = { written: 0, duplicates: 0, notWritten: 0, notJson: 0, errors: [] };
  private readonly errors = new Map<string, number>();

  constructor(
    private readonly collection: DocumentCollection,
    private readonly toDocument: (item: T, atMs: number) => MessageDocument | undefined,
    private readonly options: WriterOptions,
  ) {}

  /**
   * Queues the first `count` items; returns at once. The array must not change afterwards. `atMs` is when they
   * arrived (a consumed message's consumption time), now by default.
   */
  add(items: readonly T[], count: number = items.length, atMs: number = performance.timeOrigin + performance.now()): void {
    if (count <= 0) return;
    if (this.closed) return this.notWritten('arrived after ktc stopped writing', count);
    const take = Math.min(count, this.options.maxPending - this.pending);
    if (take < count) {
      this.notWritten(`MongoDB fell behind: more than ${this.options.maxPending} documents were waiting to be written`, count - take);
    }
    if (take <= 0) return;
    this.queue.push({ items, next: 0, end: take, atMs });
    this.pending += take;
    this.schedule();
  }

  /**
   * Stops taking documents and waits until everything queued is written, at most `graceMs`; what is still
   * queued or under way then is counted as not written. Resolves to the final counts.
   */
  async finish(graceMs: number): Promise<CollectionWrites> {
    this.closed = true;
    if (this.final) return this.final;
    if (this.pending > 0 || this.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => (this.idle = resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    this.notWritten(`not written within ${graceMs / 1000} s after the run ended (--timeout)`, this.pending + this.inFlightDocs);
    this.queue.length = 0;
    this.pending = 0;
    this.final = this.snapshot();
    return this.final;
  }

  /** Counts so far (final once finish() resolved). */
  snapshot(): CollectionWrites {
    return { ...this.writes, errors: [...this.errors].map(([message, count]) => ({ message, count })) };
  }

  private notWritten(reason: string, count: number): void {
    if (count <= 0 || this.final) return;
    this.writes.notWritten += count;
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + count);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Never in the caller's stack: the ack or fetch handler that queued the documents returns first.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.pending > 0 && !this.final) {
      const docs = this.take(this.options.batchSize);
      if (docs.length > 0) this.insert(docs);
    }
    if (this.pending === 0 && this.inFlight === 0) this.idle?.();
  }

  private take(max: number): MessageDocument[] {
    const docs: MessageDocument[] = [];
    while (docs.length < max && this.queue.length > 0) {
      const chunk = defined(this.queue[0]);
      while (chunk.next < chunk.end && docs.length < max) {
        const doc = this.toDocument(defined(chunk.items[chunk.next++]), chunk.atMs);
        this.pending--;
        if (doc) docs.push(doc);
        else this.writes.notJson++;
      }
      if (chunk.next >= chunk.end) this.queue.shift();
    }
    return docs;
  }

  private insert(docs: MessageDocument[]): void {
    this.inFlight++;
    this.inFlightDocs += docs.length;
    this.collection
      .insertUnordered(docs)
      .then(
        (outcome) => this.settled(outcome),
        (err: unknown) => this.notWritten(this.options.describeError(err), docs.length),
      )
      .finally(() => {
        this.inFlight--;
        this.inFlightDocs -= docs.length;
        this.pump();
      });
  }

  private settled(outcome: InsertOutcome): void {
    if (this.final) return;
    this.writes.written += outcome.inserted;
    for (const f of outcome.failed) this.notWritten(f.message, f.count);
    const ids = outcome.duplicateIds;
    if (ids.length === 0) return;
    this.writes.duplicates += ids.length;
    for (const id of ids) this.options.onDuplicate?.(id);
    this.inFlight++;
    this.collection
      .countDuplicates(ids)
      .catch((err: unknown) => {
        // The duplicates are counted in this run's report either way; only `ktc verify` would miss them.
        const reason = `could not record re-read messages for ktc verify: ${this.options.describeError(err)}`;
        this.errors.set(reason, (this.errors.get(reason) ?? 0) + ids.length);
      })
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }
}
