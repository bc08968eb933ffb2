import type { PartitionBatch, ProducerEngine } from '../engine/engine.js';
import { LatencyHistogram } from '../stats/latencyHistogram.js';
import { SeqBitset } from '../stats/seqBitset.js';
import type { Clock } from './clock.js';
import type { PayloadEncoder } from './payload.js';
import { RateSchedule } from './rateSchedule.js';

export interface SendLoopSettings {
  topic: string;
  partitions: number;
  /** Where the round robin starts, so several producers spread over partitions from the first batch. */
  firstPartition?: number;
  /** Messages to send; Infinity when only --duration bounds the run. */
  numMessages: number;
  durationMs?: number;
  /** Acks within this time after the start are sent and counted but kept out of the histograms. */
  warmupMs: number;
  batchSize: number;
  maxInFlight: number;
  /** Messages per second; <= 0 sends as fast as acks allow. */
  throughput: number;
  /** No acknowledgement at all for this long while sends fail: give up. */
  timeoutMs: number;
}

/** Counters and histograms the loop fills; read by progress reporting while it runs. */
export class SendStats {
  sent = 0;
  acked = 0;
  failed = 0;
  ackedBytes = 0;
  inFlight = 0;
  /** send() call to acknowledgement. */
  readonly serviceTime = new LatencyHistogram();
  /** Scheduled send time to acknowledgement (open loop only). */
  readonly responseTime = new LatencyHistogram();
  /** Scheduled send time to actual send() call (open loop only). */
  readonly scheduleSlip = new LatencyHistogram();
  readonly errors = new Map<string, number>();
  readonly acknowledged = new SeqBitset();
  /** Sends that left late while fewer than --max-in-flight were pending: the generator lagged, not the broker. */
  lateSends = 0;
  startedAtMicros = 0;
  endedAtMicros = 0;
  lastAckAtMicros = 0;
  /** Since the last progress line; the reporter reads and resets it. */
  window = { acked: 0, bytes: 0, latencySumMicros: 0, latencyMaxMicros: 0 };
}

/** How late a send may leave before it counts as the generator lagging. */
const LATE_SEND_MICROS = 5_000;

/** What was acknowledged: for per-message logging (small runs only). */
export interface AckedBatch {
  firstSeq: number;
  batches: PartitionBatch[];
}

export interface SendLoopHooks {
  /** Only for per-message logging on small runs: the hot path never formats text. */
  onAcked?: (batch: AckedBatch) => void;
  /** Turns a send failure into a message, and says whether the run must stop. */
  classifyError: (err: unknown) => { message: string; fatal: boolean };
}

export class FatalSendError extends Error {}

/**
 * The throughput-critical loop. Each send spreads its messages over the
 * partitions in contiguous runs, so one request per leader carries a record
 * batch for every partition (ktc is its own accumulator: neither engine
 * lingers). A bounded number of sends is in flight, values come from one
 * buffer allocation per batch, and latency is recorded per message from its
 * scheduled (open loop) or actual send time. No logging and no per-message
 * closures here.
 */
export class SendLoop {
  readonly stats = new SendStats();
  private stopRequested = false;
  private wake: (() => void) | undefined;
  private fatal: FatalSendError | undefined;
  private nextPartition = 0;

  constructor(
    private readonly producer: ProducerEngine,
    private readonly encoder: PayloadEncoder,
    private readonly settings: SendLoopSettings,
    private readonly clock: Clock,
    private readonly hooks: SendLoopHooks,
  ) {
    this.nextPartition = settings.firstPartition ?? 0;
  }

  /** Stops scheduling new batches; run() resolves once in-flight batches are settled. */
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  async run(): Promise<SendStats> {
    const { settings, clock, stats } = this;
    const start = clock.nowMicros();
    stats.startedAtMicros = start;
    stats.lastAckAtMicros = start;
    const schedule = settings.throughput > 0 ? new RateSchedule(settings.throughput, start) : undefined;
    const deadline = settings.durationMs !== undefined ? start + settings.durationMs * 1000 : Infinity;
    let next = 0;

    while (!this.stopRequested && !this.fatal && next < settings.numMessages) {
      const now = clock.nowMicros();
      if (now >= deadline) break;
      if (now - stats.lastAckAtMicros > settings.timeoutMs * 1000 && stats.failed > 0) {
        this.fatal = new FatalSendError(`no acknowledgement for ${Math.round(settings.timeoutMs / 1000)} s: ${this.lastError()}`);
        break;
      }
      if (stats.inFlight >= settings.maxInFlight) {
        await this.waitForWake();
        continue;
      }
      let count = Math.min(settings.batchSize, settings.numMessages - next);
      if (schedule) {
        const due = schedule.dueBy(now) - next;
        if (due <= 0) {
          await this.sleepUntil(Math.min(schedule.scheduledAt(next), deadline));
          continue;
        }
        count = Math.min(count, due);
      }
      this.dispatch(next, count, now, schedule);
      next += count;
    }
    while (stats.inFlight > 0) await this.waitForWake();
    stats.endedAtMicros = clock.nowMicros();
    if (this.fatal) throw this.fatal;
    return stats;
  }

  private dispatch(firstSeq: number, count: number, sentAt: number, schedule: RateSchedule | undefined): void {
    const values = this.encoder.encodeBatch(firstSeq, count, sentAt);
    const batches = this.split(values);
    const recordable = sentAt - this.stats.startedAtMicros >= this.settings.warmupMs * 1000;
    if (schedule && recordable) {
      for (let i = 0; i < count; i++) this.stats.scheduleSlip.record(sentAt - schedule.scheduledAt(firstSeq + i));
      if (sentAt - schedule.scheduledAt(firstSeq) > LATE_SEND_MICROS && this.stats.inFlight < this.settings.maxInFlight) {
        this.stats.lateSends += count;
      }
    }
    this.stats.sent += count;
    this.stats.inFlight++;
    this.producer.send(this.settings.topic, batches).then(
      () => this.onAck(firstSeq, values, batches, sentAt, schedule, recordable),
      (err: unknown) => this.onError(err, count),
    );
  }

  /** Contiguous runs of values, one per partition, continuing the round robin where the last send stopped. */
  private split(values: Buffer[]): PartitionBatch[] {
    const { partitions } = this.settings;
    const parts = Math.min(partitions, values.length);
    const per = Math.ceil(values.length / parts);
    const batches: PartitionBatch[] = [];
    for (let start = 0; start < values.length; start += per) {
      batches.push({ partition: this.nextPartition, values: values.slice(start, start + per) });
      this.nextPartition = (this.nextPartition + 1) % partitions;
    }
    return batches;
  }

  private onAck(firstSeq: number, values: Buffer[], batches: PartitionBatch[], sentAt: number, schedule: RateSchedule | undefined, recordable: boolean): void {
    const { stats } = this;
    const ackAt = this.clock.nowMicros();
    const count = values.length;
    stats.inFlight--;
    stats.acked += count;
    stats.lastAckAtMicros = ackAt;
    let bytes = 0;
    for (let i = 0; i < count; i++) bytes += values[i]!.length;
    stats.ackedBytes += bytes;
    stats.acknowledged.addRange(firstSeq, count);
    const latency = ackAt - sentAt;
    const w = stats.window;
    w.acked += count;
    w.bytes += bytes;
    w.latencySumMicros += latency * count;
    if (latency > w.latencyMaxMicros) w.latencyMaxMicros = latency;
    if (recordable) {
      stats.serviceTime.recordMany(latency, count);
      if (schedule) for (let i = 0; i < count; i++) stats.responseTime.record(ackAt - schedule.scheduledAt(firstSeq + i));
    }
    this.hooks.onAcked?.({ firstSeq, batches });
    this.wake?.();
  }

  private onError(err: unknown, count: number): void {
    const { stats } = this;
    stats.inFlight--;
    stats.failed += count;
    const { message, fatal } = this.hooks.classifyError(err);
    stats.errors.set(message, (stats.errors.get(message) ?? 0) + 1);
    if (fatal && !this.fatal) this.fatal = new FatalSendError(message);
    this.wake?.();
  }

  private lastError(): string {
    return [...this.stats.errors.keys()].at(-1) ?? 'sends keep failing';
  }

  private waitForWake(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Sleeps until a message is due, but wakes early for acks or stop() so those are handled promptly. */
  private async sleepUntil(atMicros: number): Promise<void> {
    const ms = Math.max(0, (atMicros - this.clock.nowMicros()) / 1000);
    if (ms < 1 && this.stats.inFlight === 0) return this.clock.sleep(0);
    await Promise.race([this.clock.sleep(Math.max(ms, 0)), this.waitForWake()]);
  }
}
