import type { ConsumedBatch, ConsumedMessage, ConsumerCounters, ConsumerEngine, RecordFields } from '../engine/engine.js';
import { KtcValueReader } from './ktcValues.js';
import { LatencyHistogram } from '../stats/latencyHistogram.js';
import { SequenceTracker } from '../stats/sequenceTracker.js';
import type { Clock } from './clock.js';
import { newDecodedRecord, PayloadDecoder, type RecordKind } from './payload.js';

export interface ConsumeSettings {
  /** Stop after this many messages (any kind). */
  maxMessages?: number;
  durationMs?: number;
  /** Stop after this long without a message (counted from the first message, or from the start). */
  idleTimeoutMs?: number;
}

export class ConsumeStats {
  received = 0;
  bytes = 0;
  /** Messages ktc produced (tracked by producer id and sequence number). */
  ktc = 0;
  /** Other JSON objects, e.g. client.py's messages. */
  json = 0;
  /** Values that are not JSON objects: counted, never fatal. */
  foreign = 0;
  /** Records without a value (tombstones). */
  nullValues = 0;
  /** Send time (embedded in the message) to consumption, ktc messages only. */
  readonly endToEnd = new LatencyHistogram();
  readonly tracker = new SequenceTracker();
  /** False until the consumer has joined its group and fetches. */
  joined = false;
  startedAtMicros = 0;
  firstAtMicros = 0;
  lastAtMicros = 0;
  endedAtMicros = 0;
  /** Transaction markers, aborted records and throttling, when the engine tells (read at the end). */
  skipped: ConsumerCounters | undefined;
}

export interface ConsumeHooks {
  onMessage?: (topic: string, partition: number, message: ConsumedMessage, kind: RecordKind) => void;
  /** After each fetched batch: how many of its messages were processed (a batch-level hook, never per message). */
  onProcessed?: (batch: ConsumedBatch, processed: number) => void;
  /** Extra stop rule, checked after every batch (e.g. "every produced message was seen"). */
  isDone?: () => boolean;
}

export type StopReason = 'count' | 'duration' | 'idle' | 'done' | 'stopped' | 'error';

export class ConsumeLoop {
  readonly stats = new ConsumeStats();
  private finish: ((reason: StopReason) => void) | undefined;
  private started: (() => void) | undefined;
  private readonly decoded = newDecodedRecord();
  private readonly decoder = new PayloadDecoder();
  private readonly ktcValues = new KtcValueReader();
  private readonly runs = new KtcRuns(this.stats);

  constructor(
    private readonly consumer: ConsumerEngine,
    private readonly settings: ConsumeSettings,
    private readonly clock: Clock,
    private readonly hooks: ConsumeHooks = {},
  ) {}

  /** Called once the consumer has joined its group and fetches. */
  onStarted(callback: () => void): void {
    this.started = callback;
  }

  stop(reason: StopReason = 'stopped'): void {
    this.finish?.(reason);
  }

  /** Consumes until a stop rule fires; rejects with the engine's error if consumption fails. */
  async run(): Promise<{ stats: ConsumeStats; reason: StopReason }> {
    const { stats, clock } = this;
    stats.startedAtMicros = clock.nowMicros();
    let failure: unknown;
    const finished = new Promise<StopReason>((resolve) => {
      this.finish = (reason) => {
        this.finish = undefined;
        resolve(reason);
      };
    });
    const timer = setInterval(() => this.checkTimers(), 100);
    try {
      await this.consumer.start(
        // Both engines await this at once, so a throw in onBatch fails them as a rejection would.
        (batch) => Promise.resolve(this.onBatch(batch)),
        (err) => {
          failure = err;
          this.stop('error');
        },
      );
      stats.joined = true;
      this.started?.();
      this.checkTimers();
      const reason = await finished;
      stats.endedAtMicros = clock.nowMicros();
      stats.skipped = this.consumer.counters?.();
      if (reason === 'error') throw failure;
      return { stats, reason };
    } finally {
      clearInterval(timer);
    }
  }

  private checkTimers(): void {
    const { stats, settings } = this;
    const now = this.clock.nowMicros();
    if (this.hooks.isDone?.()) return this.stop('done');
    if (settings.durationMs !== undefined && now - stats.startedAtMicros >= settings.durationMs * 1000) return this.stop('duration');
    const idleSince = stats.lastAtMicros || stats.startedAtMicros;
    if (settings.idleTimeoutMs !== undefined && now - idleSince >= settings.idleTimeoutMs * 1000) this.stop('idle');
  }

  /** Returns how many messages of the batch were processed: only their offsets get committed. */
  private onBatch(batch: ConsumedBatch): number {
    if (!this.finish) return 0; // stopping: leave the rest for the next consumer of the group
    const { stats, decoded, decoder, runs } = this;
    const { records, partition } = batch;
    const now = this.clock.nowMicros();
    if (stats.firstAtMicros === 0) stats.firstAtMicros = now;
    stats.lastAtMicros = now;
    const processed = Math.min(records.length, Math.max(0, (this.settings.maxMessages ?? Infinity) - stats.received));
    const onMessage = this.hooks.onMessage;
    runs.begin(partition, now);
    const fields = onMessage === undefined && this.ktcValues.available ? records.recordFields?.() : undefined;
    // A list of ktc values is read natively up to its first other value; the rest in TypeScript, one by one.
    let i = fields ? this.readKtcValues(fields, processed) : 0;
    // ktc records are handed on in groups, as the native reader makes them: from one producer, consecutive, sent together.
    let producer = '';
    let first = 0;
    let count = 0;
    let sentAt = 0;
    for (; i < processed; i++) {
      const length = records.valueLength(i);
      let kind: RecordKind = 'null';
      if (length >= 0) {
        stats.bytes += length;
        kind = decoder.decodeAt(records.valueBytes(i), records.valueStart(i), length, decoded);
      }
      if (kind === 'ktc') {
        if (decoded.seq === first + count && decoded.sentAtMicros === sentAt && decoded.producerId === producer) count++;
        else {
          if (count > 0) runs.add(producer, first, count, sentAt);
          producer = decoded.producerId;
          first = decoded.seq;
          count = 1;
          sentAt = decoded.sentAtMicros;
        }
      } else if (kind === 'json') stats.json++;
      else if (kind === 'null') stats.nullValues++;
      else stats.foreign++;
      onMessage?.(batch.topic, partition, records.message(i), kind);
    }
    if (count > 0) runs.add(producer, first, count, sentAt);
    runs.end();
    stats.received += processed;
    if (processed > 0) this.hooks.onProcessed?.(batch, processed);
    if (stats.received >= (this.settings.maxMessages ?? Infinity)) this.stop('count');
    else if (this.hooks.isDone?.()) this.stop('done');
    return processed;
  }

  /** Reads records from 0 while their values are ktc's (binary or JSON), natively, many per call; returns where it stopped. */
  private readKtcValues(fields: RecordFields, to: number): number {
    const { ktcValues: reader, decoder, runs, stats } = this;
    let i = 0;
    for (;;) {
      // Reads at least one record unless record i is another kind of value: each call has room for a group.
      const n = reader.read(fields, i, to);
      for (let g = 0; g < reader.groups; g++) {
        const group = reader.at(g);
        runs.add(decoder.producerIdOfWords(group.high, group.low), group.firstSeq, group.count, group.sentAtMicros);
      }
      stats.bytes += reader.bytes;
      i += n;
      if (i >= to || reader.stoppedAtOtherValue || n === 0) return i;
    }
  }
}

/**
 * The ktc records of one batch, recorded per run: records of one send share their send time and carry consecutive
 * sequence numbers, so the histogram and the sequence tracker see one entry per run, not per record.
 */
class KtcRuns {
  private partition = 0;
  private now = 0;
  private latency = -1;
  private latencyCount = 0;
  private producer = '';
  private first = 0;
  private next = 0;

  constructor(private readonly stats: ConsumeStats) {}

  begin(partition: number, nowMicros: number): void {
    this.partition = partition;
    this.now = nowMicros;
  }

  /** `count` records of `producer` from sequence number `seq` on, all sent at `sentAtMicros`. */
  add(producer: string, seq: number, count: number, sentAtMicros: number): void {
    const stats = this.stats;
    stats.ktc += count;
    const micros = this.now - sentAtMicros;
    if (micros === this.latency) this.latencyCount += count;
    else {
      if (this.latencyCount > 0) stats.endToEnd.recordMany(this.latency, this.latencyCount);
      this.latency = micros;
      this.latencyCount = count;
    }
    if (seq === this.next && producer === this.producer) this.next += count;
    else {
      if (this.next > this.first) stats.tracker.observeRun(this.producer, this.first, this.next - this.first, this.partition);
      this.producer = producer;
      this.first = seq;
      this.next = seq + count;
    }
  }

  /** Records the batch's last runs. */
  end(): void {
    const stats = this.stats;
    if (this.latencyCount > 0) stats.endToEnd.recordMany(this.latency, this.latencyCount);
    if (this.next > this.first) stats.tracker.observeRun(this.producer, this.first, this.next - this.first, this.partition);
    this.latency = -1;
    this.latencyCount = 0;
    this.producer = '';
    this.first = this.next = 0;
  }
}
