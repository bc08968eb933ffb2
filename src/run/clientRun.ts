import type { RunConfig } from '../config/runConfig.js';
import type { Engine, ProducerEngine, TopicInfo } from '../engine/engine.js';
import { describeKafkaError, kafkaError, type ErrorContext } from '../engine/kafkaErrors.js';
import { ExitCode, KtcError } from '../errors.js';
import type { LatencySummary } from '../stats/latencyHistogram.js';
import { ResourceSampler } from '../stats/resourceSampler.js';
import type { SeqBitset } from '../stats/seqBitset.js';
import { systemClock, type Clock } from './clock.js';
import { ConsumeLoop, type ConsumeStats, type StopReason } from './consumeLoop.js';
import { newProducerId, PayloadEncoder, type RecordKind } from './payload.js';
import type { ConsumerResult, ProducerResult, RunResult } from './runResult.js';
import { SendLoop, type AckedBatch, type SendStats } from './sendLoop.js';

export interface ProgressSnapshot {
  elapsedSeconds: number;
  producer?: SendStats;
  consumer?: ConsumeStats;
}

/** How the report layer watches a run without the run knowing about reports. */
export interface RunObserver {
  topicReady?(info: TopicInfo): void;
  consumerReady?(groupId: string): void;
  /** Called only when config.output.logMessages is on. */
  published?(topic: string, batch: AckedBatch): void;
  consumed?(topic: string, partition: number, offset: string, value: Buffer | null, kind: RecordKind): void;
  /** Every --progress-interval. */
  progress?(snapshot: ProgressSnapshot): void;
  /** Twice a second, for a live line on a terminal. */
  live?(snapshot: ProgressSnapshot): void;
  notice?(text: string): void;
}

const MB = 1024 * 1024;

function rate(count: number, seconds: number): number {
  return seconds > 0 ? count / seconds : 0;
}

function summaryOr(h: { count: number; summary(): LatencySummary }): LatencySummary | undefined {
  return h.count > 0 ? h.summary() : undefined;
}

/**
 * One ktc invocation: create the topic, start the consumer (joined before
 * anything is produced, so end-to-end latency excludes the group join), run
 * the send loop, drain, verify, and hand back one RunResult.
 */
export class ClientRun {
  private sendLoop: SendLoop | undefined;
  private consumeLoop: ConsumeLoop | undefined;
  private interruptedBy: NodeJS.Signals | undefined;
  private producerDone = false;
  private readonly startedAt = new Date();

  constructor(
    private readonly config: RunConfig,
    private readonly engine: Engine,
    private readonly observer: RunObserver = {},
    private readonly clock: Clock = systemClock,
  ) {}

  /** Ctrl+C / SIGTERM: stop sending and consuming, let in-flight batches settle, then report. */
  interrupt(signal: NodeJS.Signals): void {
    if (this.interruptedBy) return;
    this.interruptedBy = signal;
    this.observer.notice?.(`${signal}: finishing in-flight messages, then printing the summary (send ${signal} again to quit at once)`);
    this.sendLoop?.stop();
    this.consumeLoop?.stop('stopped');
  }

  private context(action: ErrorContext['action']): ErrorContext {
    const { config } = this;
    return {
      action,
      brokers: config.connection.brokers,
      topic: config.topic,
      ...(config.connection.sasl ? { username: config.connection.sasl.username } : {}),
      ...(config.consume ? { groupId: config.consume.groupId } : {}),
      ...(config.produce?.recordSize ? { recordSize: config.produce.recordSize } : {}),
    };
  }

  async run(): Promise<RunResult> {
    const sampler = new ResourceSampler().start();
    const { config, observer } = this;
    const t0 = this.clock.nowMicros();
    const timers: NodeJS.Timeout[] = [];
    const snapshot = (): ProgressSnapshot => ({
      elapsedSeconds: (this.clock.nowMicros() - t0) / 1e6,
      ...(this.sendLoop ? { producer: this.sendLoop.stats } : {}),
      ...(this.consumeLoop ? { consumer: this.consumeLoop.stats } : {}),
    });
    if (observer.progress) timers.push(setInterval(() => observer.progress!(snapshot()), config.output.progressIntervalMs));
    if (observer.live) timers.push(setInterval(() => observer.live!(snapshot()), 500));

    let topicInfo: TopicInfo | undefined;
    let consumerOutcome: Promise<{ stats: ConsumeStats; reason: StopReason }> | undefined;
    let producer: ProducerEngine | undefined;
    let sendStats: SendStats | undefined;
    try {
      if (config.produce) topicInfo = await this.ensureTopic();
      if (config.consume && !this.interruptedBy) consumerOutcome = (await this.startConsumer()).outcome;
      if (config.produce && topicInfo && !this.interruptedBy) {
        producer = await this.engine.producer({ acks: config.produce.acks, compression: config.produce.compression, idempotent: config.produce.idempotent }).catch((err: unknown) => {
          throw kafkaError(err, this.context('produce'));
        });
        sendStats = await this.produce(producer, topicInfo.partitions);
      }
      this.producerDone = true;
      const consumed = consumerOutcome ? await this.finishConsumer(consumerOutcome) : undefined;
      return this.result(topicInfo, sendStats, consumed, sampler);
    } finally {
      for (const t of timers) clearInterval(t);
      sampler.stop();
      await producer?.close().catch(() => undefined);
    }
  }

  private async ensureTopic(): Promise<TopicInfo> {
    const { produce } = this.config;
    const admin = await this.engine.admin().catch((err: unknown) => {
      throw kafkaError(err, this.context('connect'));
    });
    try {
      const info = await admin.ensureTopic({
        topic: this.config.topic,
        ...(produce?.partitions !== undefined ? { partitions: produce.partitions } : {}),
        ...(produce?.replicationFactor !== undefined ? { replicationFactor: produce.replicationFactor } : {}),
      });
      this.observer.topicReady?.(info);
      return info;
    } catch (err) {
      throw kafkaError(err, this.context('create topic'));
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  private async startConsumer(): Promise<{ outcome: Promise<{ stats: ConsumeStats; reason: StopReason }> }> {
    const consume = this.config.consume!;
    const consumer = await this.engine
      .consumer({ topic: this.config.topic, groupId: consume.groupId, fromBeginning: true, maxWaitMs: consume.maxWaitMs })
      .catch((err: unknown) => {
        throw kafkaError(err, this.context('consume'));
      });
    const observer = this.observer;
    const loop = new ConsumeLoop(
      consumer,
      {
        ...(consume.maxMessages !== undefined ? { maxMessages: consume.maxMessages } : {}),
        ...(consume.durationMs !== undefined ? { durationMs: consume.durationMs } : {}),
        ...(consume.idleTimeoutMs !== undefined ? { idleTimeoutMs: consume.idleTimeoutMs } : {}),
      },
      this.clock,
      {
        ...(this.config.output.logMessages && observer.consumed ? { onMessage: observer.consumed.bind(observer) } : {}),
        ...(this.config.produce ? { isDone: () => this.producerDone && this.allProducedSeen() } : {}),
      },
    );
    this.consumeLoop = loop;
    const joined = new Promise<void>((resolve) => loop.onStarted(resolve));
    const outcome = loop
      .run()
      .catch((err: unknown) => {
        throw kafkaError(err, this.context('consume'));
      })
      .finally(() => consumer.close().catch(() => undefined));
    // Surface a failed join (authorization, missing topic) now rather than after producing.
    await Promise.race([joined, outcome.then(() => undefined)]);
    observer.consumerReady?.(consume.groupId);
    return { outcome };
  }

  private allProducedSeen(): boolean {
    const stats = this.sendLoop?.stats;
    if (!stats || !this.consumeLoop) return true;
    return this.consumeLoop.stats.tracker.hasSeenAll(new Map([[this.producerIdHex, stats.acknowledged]]));
  }

  private producerIdHex = '';

  private async produce(producer: ProducerEngine, partitions: number): Promise<SendStats> {
    const produce = this.config.produce!;
    const producerId = newProducerId();
    this.producerIdHex = producerId.toString('hex');
    const encoder = new PayloadEncoder({
      format: produce.payload,
      origin: produce.origin,
      producerId,
      ...(produce.recordSize !== undefined ? { recordSize: produce.recordSize } : {}),
    });
    const observer = this.observer;
    const loop = new SendLoop(
      producer,
      encoder,
      {
        topic: this.config.topic,
        partitions,
        numMessages: produce.numMessages,
        ...(produce.durationMs !== undefined ? { durationMs: produce.durationMs } : {}),
        warmupMs: produce.warmupMs,
        batchSize: produce.batchSize,
        maxInFlight: produce.maxInFlight,
        throughput: produce.throughput,
        timeoutMs: this.config.connection.timeoutMs,
      },
      this.clock,
      {
        classifyError: (err) => describeKafkaError(err, this.context('produce')),
        ...(this.config.output.logMessages && observer.published
          ? { onAcked: (batch: AckedBatch) => observer.published!(this.config.topic, batch) }
          : {}),
      },
    );
    this.sendLoop = loop;
    if (this.interruptedBy) loop.stop();
    try {
      return await loop.run();
    } catch (err) {
      throw new KtcError(err instanceof Error ? err.message : String(err));
    }
  }

  /** After producing: wait until everything acknowledged was consumed, or nothing new arrived for --timeout. */
  private async finishConsumer(outcome: Promise<{ stats: ConsumeStats; reason: StopReason }>): Promise<{ stats: ConsumeStats; reason: StopReason }> {
    const loop = this.consumeLoop!;
    if (this.config.produce) {
      let lastCount = -1;
      let lastChange = this.clock.nowMicros();
      const watchdog = setInterval(() => {
        const now = this.clock.nowMicros();
        if (loop.stats.received !== lastCount) {
          lastCount = loop.stats.received;
          lastChange = now;
        } else if (now - lastChange > this.config.connection.timeoutMs * 1000) {
          loop.stop('idle');
        }
        if (this.allProducedSeen()) loop.stop('done');
      }, 100);
      try {
        return await outcome;
      } finally {
        clearInterval(watchdog);
      }
    }
    return outcome;
  }

  private result(topicInfo: TopicInfo | undefined, send: SendStats | undefined, consumed: { stats: ConsumeStats; reason: StopReason } | undefined, sampler: ResourceSampler): RunResult {
    const client = sampler.stop();
    const seconds = (Date.now() - this.startedAt.getTime()) / 1000;
    const producer = send ? this.producerResult(send) : undefined;
    const consumer = consumed ? this.consumerResult(consumed.stats, consumed.reason) : undefined;
    const acked: Map<string, SeqBitset> = send ? new Map([[this.producerIdHex, send.acknowledged]]) : new Map();
    const verification = consumed ? consumed.stats.tracker.verify(acked) : undefined;
    const warnings: string[] = [];
    if (producer && producer.lateSendsNotWaitingOnBroker > 0) {
      warnings.push(
        `${producer.lateSendsNotWaitingOnBroker} messages left more than 5 ms late while the broker had room for more: the result is bounded by ktc (the load generator), not the cluster; try --workers`,
      );
    } else if (client.cpuCores > 0.9 && producer && this.config.produce!.throughput < 0) {
      warnings.push(`ktc used ${(client.cpuCores * 100).toFixed(0)}% of a core: the figure may be ktc's limit rather than the cluster's; try --workers`);
    }
    if (client.eventLoopDelayP99Ms > 50) warnings.push(`ktc's event loop was up to ${client.eventLoopDelayP99Ms.toFixed(0)} ms late (p99): latencies include ktc's own delay`);
    let exitCode: number = ExitCode.ok;
    if (producer && producer.failed > 0) exitCode = ExitCode.failure;
    const lostOrGaps = verification ? verification.lost + (send ? 0 : verification.gaps) : 0;
    if (this.config.verify && verification && lostOrGaps > 0) exitCode = ExitCode.verificationFailed;
    if (this.interruptedBy) exitCode = this.interruptedBy === 'SIGTERM' ? 143 : ExitCode.interrupted;
    return {
      topic: this.config.topic,
      ...(topicInfo ? { topicInfo } : {}),
      startedAt: this.startedAt.toISOString(),
      seconds,
      ...(producer ? { producer } : {}),
      ...(consumer ? { consumer } : {}),
      ...(verification ? { verification } : {}),
      interrupted: this.interruptedBy !== undefined,
      client,
      histograms: this.encodedHistograms(send, consumed?.stats),
      warnings,
      exitCode,
    };
  }

  private encodedHistograms(send: SendStats | undefined, consumed: ConsumeStats | undefined): Record<string, string> {
    const all = {
      producerServiceTime: send?.serviceTime,
      producerResponseTime: send?.responseTime,
      producerScheduleSlip: send?.scheduleSlip,
      endToEnd: consumed?.endToEnd,
    };
    const out: Record<string, string> = {};
    for (const [name, h] of Object.entries(all)) if (h && h.count > 0) out[name] = h.encode();
    return out;
  }

  private producerResult(s: SendStats): ProducerResult {
    const seconds = (s.endedAtMicros - s.startedAtMicros) / 1e6;
    const responseTime = summaryOr(s.responseTime);
    const scheduleSlip = summaryOr(s.scheduleSlip);
    return {
      producerIds: [this.producerIdHex],
      sent: s.sent,
      acked: s.acked,
      failed: s.failed,
      bytes: s.ackedBytes,
      seconds,
      messagesPerSecond: rate(s.acked, seconds),
      mbPerSecond: rate(s.ackedBytes / MB, seconds),
      serviceTime: s.serviceTime.summary(),
      ...(responseTime ? { responseTime } : {}),
      ...(scheduleSlip ? { scheduleSlip } : {}),
      lateSendsNotWaitingOnBroker: s.lateSends,
      errors: [...s.errors].map(([message, count]) => ({ message, count })),
    };
  }

  private consumerResult(s: ConsumeStats, reason: StopReason): ConsumerResult {
    const seconds = s.firstAtMicros ? (s.lastAtMicros - s.firstAtMicros) / 1e6 : 0;
    return {
      groupId: this.config.consume!.groupId,
      received: s.received,
      ktcMessages: s.ktc,
      otherJson: s.json,
      foreign: s.foreign,
      bytes: s.bytes,
      seconds,
      messagesPerSecond: rate(s.received, seconds),
      mbPerSecond: rate(s.bytes / MB, seconds),
      endToEnd: s.endToEnd.summary(),
      stopReason: reason,
    };
  }
}
