import type { PartitionBatch, ProducerEngine, ValueList } from '../engine/engine.js';
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
  /** At most this many partitions share one send (all of them when unset). */
  partitionsPerSend?: number;
  /** Sends outstanding at once (each until its last batch is acknowledged or failed). */
  maxInFlight: number;
  /** Messages per second; <= 0 sends as fast as acks allow. */
  throughput: number;
}

/** Acknowledgements since the previous progress line: what the Java tool's window line reports. */
export interface SendWindow {
  readonly acked: number;
  readonly bytes: number;
  readonly latencySumMicros: number;
  readonly latencyMaxMicros: number;
}

export function emptySendWindow(): { -readonly [K in keyof SendWindow]: SendWindow[K] } {
  return { acked: 0, bytes: 0, latencySumMicros: 0, latencyMaxMicros: 0 };
}

/** Counters and histograms the loop fills; read by progress reporting while it runs. */
export class SendStats {
  sent = 0;
  acked = 0;
  failed = 0;
  ackedBytes = 0;
  inFlight = 0;
  /** send() call to acknowledgement, per partition batch (each leader's answer counts for its own messages). */
  readonly serviceTime = new LatencyHistogram();
  /** Scheduled send time to acknowledgement (open loop only). */
  readonly responseTime = new LatencyHistogram();
  /** Scheduled send time to actual send() call (open loop only). */
  readonly scheduleSlip = new LatencyHistogram();
  readonly errors = new Map<string, number>();
  readonly acknowledged = new SeqBitset();
  /** Sends that left late although the loop was not waiting on the cluster: the generator lagged, not the broker. */
  lateSends = 0;
  /** Sends that left late because the loop had waited on the cluster (in-flight limit reached, retries, failover). */
  lateSendsWaitingOnCluster = 0;
  /**
   * Sends that left late while ktc had hardly run: the host gave the CPU to other processes (a broker restarting
   * beside ktc, a busy CI machine). Neither ktc's limit nor the cluster's.
   */
  lateSendsHostBusy = 0;
  /** Longest time without any acknowledgement while messages were waiting for one. */
  longestStallMicros = 0;
  startedAtMicros = 0;
  endedAtMicros = 0;
  lastAckAtMicros = 0;
  /** Filled by the loop since the last takeWindow(). */
  window = emptySendWindow();

  /** Hands over the window so far and starts the next one: called once per progress line, by the run. */
  takeWindow(): SendWindow {
    const taken = Object.freeze(this.window);
    this.window = emptySendWindow();
    return taken;
  }
}

/** How late a send may leave before it counts as late. */
const LATE_SEND_MICROS = 5_000;
/**
 * A late send is the host's doing when ktc used less than this share of the
 * wall-clock time since the loop last went idle: it was ready to run but not
 * running. Above it, ktc's own work (or its garbage collection) kept it busy.
 */
const HOST_BUSY_CPU_SHARE = 0.5;

/** One partition's share of a send, as handed to the engine and back. */
export interface AckedBatch extends PartitionBatch {
  /** Sequence number of the batch's first message. */
  firstSeq: number;
}

/** One send (one call to the engine): the batches it split into and when it left. */
interface SendRecord {
  sentAt: number;
  schedule: RateSchedule | undefined;
  recordable: boolean;
  /** Batches not yet settled: the send stops counting as in flight at zero. */
  unsettled: number;
}

interface LoopBatch extends AckedBatch {
  send: SendRecord;
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
 * lingers). A bounded number of sends is in flight (the engine retries
 * within them, so a failover holds the loop back instead of failing
 * messages), values come from one buffer allocation per batch, and latency is
 * recorded per partition batch from its scheduled (open loop) or actual send
 * time. No logging and no per-message closures here.
 */
export class SendLoop {
  readonly stats = new SendStats();
  private stopRequested = false;
  private wake: (() => void) | undefined;
  private fatal: FatalSendError | undefined;
  private nextPartition = 0;
  /** Until when the loop was held back by the cluster (in-flight limit reached): later lateness is ktc's own. */
  private heldBackUntil = 0;
  /** When the loop last went idle (wall and CPU clocks), to tell a late wake-up's cause. Paced runs only. */
  private idleAtMicros = 0;
  private idleAtCpuMicros = 0;
  /** The cause of the last late send whose wake-up could be measured; back-to-back catch-up sends share it. */
  private lateBecauseHostBusy = false;
  private readonly settled = (batch: LoopBatch, error: Error | undefined): void => this.onSettled(batch, error);

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
      if (stats.inFlight >= settings.maxInFlight) {
        this.markIdle(schedule);
        await this.waitForWake();
        this.heldBackUntil = clock.nowMicros();
        continue;
      }
      let count = Math.min(settings.batchSize, settings.numMessages - next);
      if (schedule) {
        const due = schedule.dueBy(now) - next;
        if (due <= 0) {
          this.markIdle(schedule);
          await this.sleepUntil(Math.min(schedule.scheduledAt(next), deadline));
          continue;
        }
        count = Math.min(count, due);
      }
      this.dispatch(next, count, now, schedule);
      this.markIdle(schedule);
      next += count;
    }
    while (stats.inFlight > 0) await this.waitForWake();
    stats.endedAtMicros = clock.nowMicros();
    if (this.fatal) throw this.fatal;
    return stats;
  }

  private dispatch(firstSeq: number, count: number, sentAt: number, schedule: RateSchedule | undefined): void {
    const { stats } = this;
    const values = this.encoder.encodeBatch(firstSeq, count, sentAt);
    const recordable = sentAt - stats.startedAtMicros >= this.settings.warmupMs * 1000;
    if (schedule && recordable) {
      for (let i = 0; i < count; i++) stats.scheduleSlip.record(sentAt - schedule.scheduledAt(firstSeq + i));
      const scheduledAt = schedule.scheduledAt(firstSeq);
      if (sentAt - scheduledAt > LATE_SEND_MICROS) {
        // Due while the loop waited for the cluster: late because of the cluster, not because of ktc.
        if (scheduledAt <= this.heldBackUntil) stats.lateSendsWaitingOnCluster += count;
        else if (this.hostWasBusy(sentAt)) stats.lateSendsHostBusy += count;
        else stats.lateSends += count;
      }
    }
    const send: SendRecord = { sentAt, schedule, recordable, unsettled: 0 };
    const batches = this.split(values, firstSeq, send);
    send.unsettled = batches.length;
    stats.sent += count;
    stats.inFlight++;
    this.producer.send(this.settings.topic, batches, this.settled);
  }

  /** Contiguous runs of values, one per partition, continuing the round robin where the last send stopped. */
  private split(values: ValueList, firstSeq: number, send: SendRecord): LoopBatch[] {
    const { partitions, partitionsPerSend = partitions } = this.settings;
    const parts = Math.min(partitions, partitionsPerSend, values.length);
    const per = Math.ceil(values.length / parts);
    const batches: LoopBatch[] = [];
    for (let start = 0; start < values.length; start += per) {
      batches.push({ partition: this.nextPartition, values: values.slice(start, start + per), firstSeq: firstSeq + start, send });
      this.nextPartition = (this.nextPartition + 1) % partitions;
    }
    return batches;
  }

  private onSettled(batch: LoopBatch, error: Error | undefined): void {
    if (error) this.onError(batch, error);
    else this.onAck(batch);
    if (--batch.send.unsettled === 0) {
      this.stats.inFlight--;
      this.wake?.();
    }
  }

  private onAck(batch: LoopBatch): void {
    const { stats } = this;
    const { values, firstSeq, send } = batch;
    const ackAt = this.clock.nowMicros();
    const count = values.length;
    const stall = ackAt - Math.max(stats.lastAckAtMicros, send.sentAt);
    if (stall > stats.longestStallMicros) stats.longestStallMicros = stall;
    stats.acked += count;
    stats.lastAckAtMicros = ackAt;
    const bytes = values.byteLength;
    stats.ackedBytes += bytes;
    stats.acknowledged.addRange(firstSeq, count);
    const latency = ackAt - send.sentAt;
    const w = stats.window;
    w.acked += count;
    w.bytes += bytes;
    w.latencySumMicros += latency * count;
    if (latency > w.latencyMaxMicros) w.latencyMaxMicros = latency;
    if (send.recordable) {
      stats.serviceTime.recordMany(latency, count);
      const { schedule } = send;
      if (schedule) for (let i = 0; i < count; i++) stats.responseTime.record(ackAt - schedule.scheduledAt(firstSeq + i));
    }
    this.hooks.onAcked?.(batch);
  }

  private onError(batch: LoopBatch, err: Error): void {
    const { stats } = this;
    stats.failed += batch.values.length;
    const { message, fatal } = this.hooks.classifyError(err);
    stats.errors.set(message, (stats.errors.get(message) ?? 0) + 1);
    if (fatal && !this.fatal) {
      this.fatal = new FatalSendError(message);
      // The run ends: whatever is still waiting for a retry fails now instead of at its own delivery timeout.
      this.producer.abort(this.fatal);
    }
  }

  private waitForWake(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Paced runs: notes when the loop yields, so a late wake-up can be told apart from ktc's own work. */
  private markIdle(schedule: RateSchedule | undefined): void {
    if (!schedule) return;
    this.idleAtMicros = this.clock.nowMicros();
    this.idleAtCpuMicros = this.clock.cpuMicros();
  }

  /**
   * Whether a late send was late because the host did not run ktc: since the loop last yielded, ktc used little
   * CPU although far more wall-clock time passed. A wake-up too recent to measure keeps the last verdict.
   */
  private hostWasBusy(sentAt: number): boolean {
    const wall = sentAt - this.idleAtMicros;
    if (wall >= LATE_SEND_MICROS) this.lateBecauseHostBusy = this.clock.cpuMicros() - this.idleAtCpuMicros < HOST_BUSY_CPU_SHARE * wall;
    return this.lateBecauseHostBusy;
  }

  /** Sleeps until a message is due, but wakes early for acks or stop() so those are handled promptly. */
  private async sleepUntil(atMicros: number): Promise<void> {
    const ms = Math.max(0, (atMicros - this.clock.nowMicros()) / 1000);
    if (ms < 1 && this.stats.inFlight === 0) return this.clock.sleep(0);
    await Promise.race([this.clock.sleep(Math.max(ms, 0)), this.waitForWake()]);
  }
}
