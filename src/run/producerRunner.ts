import type { ConnectionConfig } from '../config/connection.js';
import { defaultBatchSize, defaultPartitionsPerSend, sendsOutstanding } from '../config/producerDefaults.js';
import type { ProduceConfig } from '../config/runConfig.js';
import type { EngineName } from '../config/engineNames.js';
import type { ErrorHints } from '../errors.js';
import type { DeliveryCounters, Engine } from '../engine/engine.js';
import type { SeqBitset } from '../stats/seqBitset.js';
import type { Clock } from './clock.js';
import { newProducerId, PayloadEncoder } from './payload.js';
import { emptySendWindow, SendLoop, type SendLoopHooks, type SendWindow } from './sendLoop.js';
import { defined } from '../defined.js';

/** One producer's share of the run: its slice of -n and --throughput. */
export interface ProducerShare {
  index: number;
  numMessages: number;
  throughput: number;
}

/** Everything the main thread needs from one producer, as plain data (it may come from a worker thread). */
export interface ProducerOutcome {
  producerId: string;
  sent: number;
  acked: number;
  failed: number;
  ackedBytes: number;
  lateSends: number;
  lateSendsWaitingOnCluster: number;
  lateSendsHostBusy: number;
  longestStallMicros: number;
  delivery: DeliveryCounters;
  startedAtMicros: number;
  endedAtMicros: number;
  errors: Array<[string, number]>;
  /** Encoded HdrHistograms, merged by the main thread. */
  histograms: { serviceTime: string; responseTime: string; scheduleSlip: string };
  acknowledged: SeqBitset;
}

/** What progress reporting reads while producers run, in-process or aggregated from workers. */
export interface LiveSendStats {
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  readonly inFlight: number;
}

export interface ProducerRunner {
  readonly live: LiveSendStats;
  /** Acknowledgements since the previous call, handed over; the next window starts empty. */
  takeWindow(): SendWindow;
  run(): Promise<ProducerOutcome[]>;
  stop(): void;
}

export interface ProducerJob {
  connection: ConnectionConfig;
  engine: EngineName;
  topic: string;
  partitions: number;
  /** Brokers leading the topic's partitions: a default send carries 1 MiB for each. */
  leaders: number;
  produce: ProduceConfig;
  /** The front end's words for error kinds (plain data: worker threads word their errors too). */
  errorHints: ErrorHints;
}

/** Splits -n and --throughput over n producers so the totals are what the user asked for. */
export function shares(numMessages: number, throughput: number, workers: number): ProducerShare[] {
  return Array.from({ length: workers }, (_, index) => ({
    index,
    numMessages: Number.isFinite(numMessages) ? Math.floor(numMessages / workers) + (index < numMessages % workers ? 1 : 0) : Infinity,
    throughput: throughput > 0 ? throughput / workers : throughput,
  }));
}

/** Builds the send loop for one share; used on the main thread and inside worker threads alike. */
export async function createSendLoop(
  engine: Engine,
  job: ProducerJob,
  share: ProducerShare,
  clock: Clock,
  hooks: SendLoopHooks,
): Promise<{ loop: SendLoop; producerId: string; counters: () => DeliveryCounters; close: () => Promise<void> }> {
  const { produce } = job;
  const producer = await engine.producer({
    acks: produce.acks,
    compression: produce.compression,
    idempotent: produce.idempotent,
    deliveryTimeoutMs: produce.deliveryTimeoutMs,
    maxInFlightPerBroker: produce.maxInFlight,
  });
  const id = newProducerId();
  const encoder = new PayloadEncoder({
    format: produce.payload,
    origin: produce.origin,
    producerId: id,
    ...(produce.recordSize !== undefined ? { recordSize: produce.recordSize } : {}),
  });
  const loop = new SendLoop(
    producer,
    encoder,
    {
      topic: job.topic,
      partitions: job.partitions,
      firstPartition: share.index % job.partitions,
      numMessages: share.numMessages,
      ...(produce.durationMs !== undefined ? { durationMs: produce.durationMs } : {}),
      warmupMs: produce.warmupMs,
      // --batch-size spreads over every partition, as documented; the default fills 128 KiB batches.
      ...(produce.batchSize !== undefined
        ? { batchSize: produce.batchSize }
        : {
            batchSize: defaultBatchSize(produce.recordSize, job.partitions, job.leaders),
            partitionsPerSend: defaultPartitionsPerSend(job.partitions, job.leaders),
          }),
      maxInFlight: sendsOutstanding(produce.maxInFlight),
      throughput: share.throughput,
    },
    clock,
    hooks,
  );
  return { loop, producerId: id.toString('hex'), counters: () => producer.counters(), close: () => producer.close() };
}

export function outcomeOf(loop: SendLoop, producerId: string, delivery: DeliveryCounters): ProducerOutcome {
  const s = loop.stats;
  return {
    producerId,
    sent: s.sent,
    acked: s.acked,
    failed: s.failed,
    ackedBytes: s.ackedBytes,
    lateSends: s.lateSends,
    lateSendsWaitingOnCluster: s.lateSendsWaitingOnCluster,
    lateSendsHostBusy: s.lateSendsHostBusy,
    longestStallMicros: s.longestStallMicros,
    delivery,
    startedAtMicros: s.startedAtMicros,
    endedAtMicros: s.endedAtMicros,
    errors: [...s.errors],
    histograms: { serviceTime: s.serviceTime.encode(), responseTime: s.responseTime.encode(), scheduleSlip: s.scheduleSlip.encode() },
    acknowledged: s.acknowledged,
  };
}

/** The default: one producer on the main thread (the only mode that can log each message). */
export class InProcessProducer implements ProducerRunner {
  private loop: SendLoop | undefined;
  private stopped = false;
  private readonly idle: LiveSendStats = { sent: 0, acked: 0, failed: 0, inFlight: 0 };

  constructor(
    private readonly engine: Engine,
    private readonly job: ProducerJob,
    private readonly clock: Clock,
    private readonly hooks: SendLoopHooks,
  ) {}

  get live(): LiveSendStats {
    return this.loop?.stats ?? this.idle;
  }

  takeWindow(): SendWindow {
    return this.loop?.stats.takeWindow() ?? Object.freeze(emptySendWindow());
  }

  async run(): Promise<ProducerOutcome[]> {
    const [share] = shares(this.job.produce.numMessages, this.job.produce.throughput, 1);
    const { loop, producerId, counters, close } = await createSendLoop(this.engine, this.job, defined(share), this.clock, this.hooks);
    this.loop = loop;
    if (this.stopped) loop.stop();
    try {
      await loop.run();
      return [outcomeOf(loop, producerId, counters())];
    } finally {
      await close().catch(() => undefined);
    }
  }

  stop(): void {
    this.stopped = true;
    this.loop?.stop();
  }
}
