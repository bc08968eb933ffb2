import { SeqBitset } from './seqBitset.js';

/** What the consumer saw of one producer's sequence numbers. */
class ProducerSequences {
  readonly seen = new SeqBitset();
  received = 0;
  duplicates = 0;
  outOfOrder = 0;
  maxSeq = -1;
  private readonly lastByPartition = new Map<number, number>();

  /** `count` records with consecutive sequence numbers from `first`, read in that order from one partition. */
  observeRun(first: number, count: number, partition: number): void {
    this.received += count;
    this.duplicates += count - this.seen.addRange(first, count);
    const lastSeq = first + count - 1;
    if (lastSeq > this.maxSeq) this.maxSeq = lastSeq;
    const last = this.lastByPartition.get(partition);
    // One producer's records reach one partition in send order unless a retry reordered them; within a run only its first can be out of order.
    if (last !== undefined && first < last) this.outOfOrder++;
    this.lastByPartition.set(partition, lastSeq);
  }
}

export interface ProducerVerification {
  producerId: string;
  received: number;
  unique: number;
  duplicates: number;
  outOfOrder: number;
  /** Sequence numbers below the highest seen that never arrived. */
  gaps: number;
  /** Known only for producers of this process: acknowledged by the broker, never consumed. */
  acknowledged?: number;
  lost?: number;
  firstLost?: number[];
}

export interface VerificationResult {
  producers: ProducerVerification[];
  duplicates: number;
  outOfOrder: number;
  gaps: number;
  lost: number;
}

/**
 * Tracks every (producer id, sequence number) consumed and compares it with
 * what producers had acknowledged: the "no acknowledged write lost" check of
 * Charmed Kafka's HA tests as a first-class result.
 */
export class SequenceTracker {
  private readonly producers = new Map<string, ProducerSequences>();

  observe(producerId: string, seq: number, partition: number): void {
    this.observeRun(producerId, seq, 1, partition);
  }

  /**
   * `count` records of one producer with consecutive sequence numbers from
   * `first`, read in that order from one partition: the consumer reports runs,
   * since a producer's records arrive in long runs and a call per record
   * showed in its profile.
   */
  observeRun(producerId: string, first: number, count: number, partition: number): void {
    let p = this.producers.get(producerId);
    if (!p) {
      p = new ProducerSequences();
      this.producers.set(producerId, p);
    }
    p.observeRun(first, count, partition);
  }

  /** True once every acknowledged sequence number of every given producer has been seen. */
  hasSeenAll(acked: ReadonlyMap<string, SeqBitset>): boolean {
    for (const [id, set] of acked) {
      const p = this.producers.get(id);
      if (set.count > 0 && (!p || p.seen.count < set.count || set.countMissingFrom(p.seen) > 0)) return false;
    }
    return true;
  }

  verify(acked: ReadonlyMap<string, SeqBitset> = new Map()): VerificationResult {
    const ids = new Set([...this.producers.keys(), ...acked.keys()]);
    const producers: ProducerVerification[] = [];
    for (const id of ids) {
      const p = this.producers.get(id) ?? new ProducerSequences();
      const mine = acked.get(id);
      producers.push({
        producerId: id,
        received: p.received,
        unique: p.seen.count,
        duplicates: p.duplicates,
        outOfOrder: p.outOfOrder,
        gaps: p.maxSeq + 1 - p.seen.count,
        ...(mine ? { acknowledged: mine.count, lost: mine.countMissingFrom(p.seen), firstLost: mine.firstMissingFrom(p.seen, 5) } : {}),
      });
    }
    const sum = (f: (p: ProducerVerification) => number) => producers.reduce((a, p) => a + f(p), 0);
    return {
      producers,
      duplicates: sum((p) => p.duplicates),
      outOfOrder: sum((p) => p.outOfOrder),
      gaps: sum((p) => p.gaps),
      lost: sum((p) => p.lost ?? 0),
    };
  }
}
