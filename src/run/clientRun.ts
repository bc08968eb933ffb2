import { availableParallelism } from 'node:os';
import type { RunConfig } from '../config/runConfig.js';
import type { ConsumedBatch, ConsumedMessage, Engine, TopicInfo } from '../engine/engine.js';
import { messagesOf } from '../engine/messageList.js';
import { buffersOf } from '../engine/bufferValueList.js';
import { describeKafkaError, kafkaError, type ErrorContext } from '../engine/kafkaErrors.js';
import { ExitCode, KtcError, signalExitCode, type ErrorHints } from '../errors.js';
import { emptySummary, LatencyHistogram, type LatencySummary } from '../stats/latencyHistogram.js';
import { ResourceSampler } from '../stats/resourceSampler.js';
import type { SeqBitset } from '../stats/seqBitset.js';
import { systemClock, type Clock } from './clock.js';
import { ConsumeLoop, type ConsumeStats, type StopReason } from './consumeLoop.js';
import type { RecordKind } from './payload.js';
import { InProcessProducer, type LiveSendStats, type ProducerOutcome, type ProducerRunner } from './producerRunner.js';
import { WorkerProducers } from './producerWorkers.js';
import type { ConsumerResult, ConsumerSpan, ProducerResult, RunResult } from './runResult.js';
import { FatalSendError, SendStats, type AckedBatch, type SendWindow } from './sendLoop.js';
import type { MessageRecorder } from './messageRecorder.js';
import { mongoIncomplete, type MongoResult } from '../mongo/mongoResult.js';
import { TIMELINE_INTERVAL_MS, TimelineRecorder, type TimelineSource } from './timeline.js';
import { defined } from '../defined.js';

/** The run at one moment, copied: the report formats it and can change nothing of the run. */
export interface LiveSnapshot {
  readonly elapsedSeconds: number;
  readonly producer?: LiveSendStats;
  readonly consumer?: ConsumerProgress;
}

export interface ConsumerProgress {
  readonly received: number;
  readonly bytes: number;
  /** False until the consumer has joined its group. */
  readonly joined: boolean;
}

/** Every --progress-interval: the live figures, plus the producers' window since the previous snapshot. */
export interface ProgressSnapshot extends LiveSnapshot {
  readonly producer?: LiveSendStats & { readonly window: SendWindow };
}

/** How the report layer watches a run without the run knowing about reports. */
export interface RunObserver {
  topicReady?(info: TopicInfo): void;
  consumerReady?(groupId: string): void;
  /** Called only when config.output.logMessages is on. */
  published?(topic: string, batch: AckedBatch): void;
  consumed?(topic: string, partition: number, message: ConsumedMessage, kind: RecordKind): void;
  /** Every --progress-interval. */
  progress?(snapshot: ProgressSnapshot): void;
  /** Twice a second, for a live line on a terminal. */
  live?(snapshot: LiveSnapshot): void;
  notice?(text: string): void;
}

const MB = 1024 * 1024;
/** Share of messages that must leave late, unforced by the cluster, before ktc calls itself the bottleneck. */
const LATE_SHARE_FOR_WARNING = 0.05;
/** A join normally completes within a heartbeat or two (3 s each); longer, the user is told why. */
const SLOW_JOIN_NOTICE_MS = 5000;

export interface JoinWait {
  /** --timeout: how long ktc waits for the cluster to answer at all. */
  timeoutMs: number;
  noticeAfterMs: number;
  /** When the member's JoinGroup reached the coordinator (see ConsumerOptions.onJoinRequest); undefined before. */
  joinRequestedAt: () => number | undefined;
  onSlowJoin: () => void;
  noAnswer: () => Error;
}

/**
 * Waits for the consumer's first group join. --timeout bounds it only until the coordinator answered: from
 * then on the coordinator decides, holding the join until every member it knows has rejoined or its session
 * expired (a killed Java consumer: 45 s by default). ktc then waits as a Java consumer would, and says why.
 */
export function awaitGroupJoin<T>(joined: Promise<T>, wait: JoinWait): Promise<T> {
  const started = Date.now();
  return new Promise<T>((resolve, reject) => {
    let noticed = false;
    const timer = setInterval(
      () => {
        const requestedAt = wait.joinRequestedAt();
        if (requestedAt === undefined) {
          if (Date.now() - started >= wait.timeoutMs) {
            clearInterval(timer);
            reject(wait.noAnswer());
          }
        } else if (!noticed && Date.now() - requestedAt >= wait.noticeAfterMs) {
          noticed = true;
          wait.onSlowJoin();
        }
      },
      Math.min(100, wait.timeoutMs, wait.noticeAfterMs),
    );
    joined.then(
      (value) => {
        clearInterval(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearInterval(timer);
        reject(err);
      },
    );
  });
}

function rate(count: number, seconds: number): number {
  return seconds > 0 ? count / seconds : 0;
}

/** Merges the encoded histograms of every producer (threads included) into one summary. */
function merged(outcomes: ProducerOutcome[], pick: (o: ProducerOutcome) => string): { summary: LatencySummary; encoded: string } | undefined {
  const h = new LatencyHistogram();
  try {
    for (const o of outcomes) h.addEncoded(pick(o));
    return h.count > 0 ? { summary: h.summary(), encoded: h.encode() } : undefined;
  } finally {
    h.destroy();
  }
}

/**
 * One ktc invocation: create the topic, start the consumer (joined before
 * anything is produced, so end-to-end latency excludes the group join), run
 * the send loop, drain, verify, and hand back one RunResult.
 */
export class ClientRun {
  private producers: ProducerRunner | undefined;
  private outcomes: ProducerOutcome[] = [];
  private consumeLoop: ConsumeLoop | undefined;
  private interruptedBy: NodeJS.Signals | undefined;
  private producerDone = false;
  private readonly startedAt = new Date();
  /** When the consumer started and when its group first assigned it partitions (epoch µs): ConsumerPerformance's rebalance time. */
  private consumerStartedAtMicros = 0;
  private consumerJoinedAtMicros = 0;

  constructor(
    private readonly config: RunConfig,
    private readonly engine: Engine,
    private readonly observer: RunObserver = {},
    private readonly clock: Clock = systemClock,
    /** --mongo-uri: every acknowledged and every consumed message, recorded beside Kafka. */
    private readonly recorder?: MessageRecorder,
    /** Awaited once the consumer (if any) has joined, before producing: a distributed run's start barrier. */
    private readonly startGate?: () => Promise<void>,
    /** The front end's words for error kinds (its flags), put in the engine's error lines. */
    private readonly errorHints: ErrorHints = {},
  ) {}

  /**
   * Ctrl+C / SIGTERM: stop sending and let in-flight batches settle. A
   * consumer running beside the producer first reads what was acknowledged
   * (so the summary verifies it), a consumer alone stops at once.
   */
  interrupt(signal: NodeJS.Signals): void {
    if (this.interruptedBy) return;
    this.interruptedBy = signal;
    this.observer.notice?.(`${signal}: finishing in-flight messages, then printing the summary (send ${signal} again to quit at once)`);
    this.producers?.stop();
    if (!this.config.produce || this.producerDone) this.consumeLoop?.stop('stopped');
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
    const snapshot = (): LiveSnapshot => {
      const producer = this.producers?.live;
      const consumer = this.consumeLoop?.stats;
      return Object.freeze({
        elapsedSeconds: (this.clock.nowMicros() - t0) / 1e6,
        ...(producer ? { producer: Object.freeze({ sent: producer.sent, acked: producer.acked, failed: producer.failed, inFlight: producer.inFlight }) } : {}),
        ...(consumer ? { consumer: Object.freeze({ received: consumer.received, bytes: consumer.bytes, joined: consumer.joined }) } : {}),
      });
    };
    // The window is taken here, once per progress snapshot: the run owns it, the report only reads the copy.
    const progressSnapshot = (): ProgressSnapshot => {
      const { producer, ...rest } = snapshot();
      const producers = this.producers;
      return Object.freeze({ ...rest, ...(producer && producers ? { producer: Object.freeze({ ...producer, window: producers.takeWindow() }) } : {}) });
    };
    if (observer.progress) timers.push(setInterval(() => observer.progress?.(progressSnapshot()), config.output.progressIntervalMs));
    if (observer.live) timers.push(setInterval(() => observer.live?.(snapshot()), 500));
    // --html: a timeline for the report, sampled by a timer beside the run, never inside the send loop.
    const timeline = config.output.html ? new TimelineRecorder() : undefined;
    if (timeline) timers.push(setInterval(() => timeline.sample(this.timelineSource(t0)), TIMELINE_INTERVAL_MS));

    let topicInfo: TopicInfo | undefined;
    let consumerOutcome: Promise<{ stats: ConsumeStats; reason: StopReason }> | undefined;
    try {
      if (config.produce) topicInfo = await this.ensureTopic();
      if (config.consume && !this.interruptedBy) consumerOutcome = (await this.startConsumer()).outcome;
      if (this.startGate && !this.interruptedBy) await this.startGate();
      if (config.produce && topicInfo && !this.interruptedBy) this.outcomes = await this.produce(topicInfo);
      this.producerDone = true;
      const consumed = consumerOutcome ? await this.finishConsumer(consumerOutcome) : undefined;
      const mongo = await this.recorder?.finish();
      timeline?.sample(this.timelineSource(t0));
      const result = this.result(topicInfo, consumed, sampler, mongo);
      return timeline ? { ...result, timeline: timeline.samples } : result;
    } finally {
      for (const t of timers) clearInterval(t);
      timeline?.destroy();
      sampler.stop();
      // On a failure the consumer is still in its group: leave it cleanly so the process can exit.
      this.consumeLoop?.stop('stopped');
      await consumerOutcome?.catch(() => undefined);
      // On a failure, close the MongoDB connection too (a second finish() is the first one's result).
      await this.recorder?.finish().catch(() => undefined);
    }
  }

  /** What the --html timeline reads: counters, and the live histograms where they live in this thread. */
  private timelineSource(t0: number): TimelineSource {
    const live = this.producers?.live;
    const consumer = this.consumeLoop?.stats;
    return {
      seconds: (this.clock.nowMicros() - t0) / 1e6,
      ...(live ? { produced: live.acked } : {}),
      ...(live instanceof SendStats ? { producerLatency: live.serviceTime } : {}),
      ...(consumer ? { consumed: consumer.received, consumedBytes: consumer.bytes, endToEndLatency: consumer.endToEnd } : {}),
    };
  }

  /**
   * Bounds a setup step by --timeout: kafkajs retries connections on its own
   * for much longer against a silent cluster, and a user must get an error,
   * not a hang.
   */
  private withTimeout<T>(promise: Promise<T>, doing: string): Promise<T> {
    const ms = this.config.connection.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(this.noAnswer(doing)), ms);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  private noAnswer(doing: string): KtcError {
    const { brokers, timeoutMs } = this.config.connection;
    return new KtcError(
      `no answer from Kafka at ${brokers.join(',')} within ${timeoutMs / 1000} s while ${doing}: check -s/--servers and -x/--security-protocol, and that the cluster is up (--timeout sets the limit)`,
    );
  }

  private ensureTopic(): Promise<TopicInfo> {
    return this.withTimeout(this.createOrDescribeTopic(), `creating topic "${this.config.topic}"`);
  }

  private async createOrDescribeTopic(): Promise<TopicInfo> {
    const { produce } = this.config;
    const admin = await this.engine.admin().catch((err: unknown) => {
      throw kafkaError(err, this.context('connect'), this.errorHints);
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
      throw kafkaError(err, this.context('create topic'), this.errorHints);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  private async startConsumer(): Promise<{ outcome: Promise<{ stats: ConsumeStats; reason: StopReason }> }> {
    const consume = defined(this.config.consume);
    let joinRequestedAt: number | undefined;
    this.consumerStartedAtMicros = this.clock.nowMicros();
    const consumer = await this.withTimeout(
      this.engine.consumer({
        topic: this.config.topic,
        groupId: consume.groupId,
        maxWaitMs: consume.maxWaitMs,
        autoOffsetReset: consume.autoOffsetReset,
        isolationLevel: consume.isolationLevel,
        // Beside a producer that retries until its delivery timeout, the consumer waits out the same outage.
        ...(this.config.produce ? { unavailableTimeoutMs: Math.max(this.config.connection.timeoutMs, this.config.produce.deliveryTimeoutMs) } : {}),
        assignors: consume.assignors,
        onJoinRequest: () => (joinRequestedAt ??= Date.now()),
        ...(this.observer.notice ? { onWarning: this.observer.notice.bind(this.observer) } : {}),
      }),
      'connecting the consumer',
    ).catch((err: unknown) => {
      throw err instanceof KtcError ? err : kafkaError(err, this.context('consume'), this.errorHints);
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
        ...(this.recorder
          ? { onProcessed: (batch: ConsumedBatch, processed: number) => defined(this.recorder).consumed(messagesOf(batch.records, processed), processed) }
          : {}),
      },
    );
    this.consumeLoop = loop;
    const joined = new Promise<void>((resolve) =>
      loop.onStarted(() => {
        this.consumerJoinedAtMicros = this.clock.nowMicros();
        resolve();
      }),
    );
    const outcome = loop
      .run()
      .catch((err: unknown) => {
        throw kafkaError(err, this.context('consume'), this.errorHints);
      })
      .finally(() => consumer.close().catch(() => undefined));
    // Surface a failed join (authorization, missing topic) now rather than after producing.
    await awaitGroupJoin(Promise.race([joined, outcome.then(() => undefined)]), {
      timeoutMs: this.config.connection.timeoutMs,
      noticeAfterMs: SLOW_JOIN_NOTICE_MS,
      joinRequestedAt: () => joinRequestedAt,
      onSlowJoin: () =>
        observer.notice?.(
          `waiting for consumer group "${consume.groupId}" to rebalance: its coordinator holds the join until every member it knows has rejoined or timed out (a member killed without leaving the group: up to its session timeout, 45 s for a Java consumer, 30 s for ktc)`,
        ),
      noAnswer: () => this.noAnswer(`joining consumer group "${consume.groupId}"`),
    });
    observer.consumerReady?.(consume.groupId);
    return { outcome };
  }

  private acknowledged(): Map<string, SeqBitset> {
    return new Map(this.outcomes.map((o) => [o.producerId, o.acknowledged]));
  }

  /** Checked only once producing is over, when every producer's acknowledgements are known. */
  private allProducedSeen(): boolean {
    if (!this.consumeLoop) return true;
    return this.consumeLoop.stats.tracker.hasSeenAll(this.acknowledged());
  }

  private async produce(topicInfo: TopicInfo): Promise<ProducerOutcome[]> {
    const produce = defined(this.config.produce);
    const job = {
      connection: this.config.connection,
      engine: this.config.engine,
      topic: this.config.topic,
      partitions: topicInfo.partitions,
      // Not known (a topic described before leaders were elected): as on one broker, the smallest default sends.
      leaders: topicInfo.leaders ?? 1,
      produce,
      errorHints: this.errorHints,
    };
    const observer = this.observer;
    const logAcked = this.config.output.logMessages && observer.published ? (batch: AckedBatch) => observer.published?.(this.config.topic, batch) : undefined;
    const recorder = this.recorder;
    const onAcked =
      logAcked && recorder
        ? (batch: AckedBatch) => {
            logAcked(batch);
            recorder.produced(buffersOf(batch.values));
          }
        : recorder
          ? (batch: AckedBatch) => recorder.produced(buffersOf(batch.values))
          : logAcked;
    this.producers =
      produce.workers > 1
        ? new WorkerProducers(job)
        : new InProcessProducer(this.engine, job, this.clock, {
            classifyError: (err) => describeKafkaError(err, this.context('produce'), this.errorHints),
            ...(onAcked ? { onAcked } : {}),
          });
    if (this.interruptedBy) this.producers.stop();
    try {
      return await this.producers.run();
    } catch (err) {
      if (err instanceof KtcError) throw err;
      // The send loop already turned the client's error into a sentence.
      if (err instanceof FatalSendError) throw new KtcError(err.message);
      throw kafkaError(err, this.context('produce'), this.errorHints);
    }
  }

  /** After producing: wait until everything acknowledged was consumed, or nothing new arrived for --timeout. */
  private async finishConsumer(outcome: Promise<{ stats: ConsumeStats; reason: StopReason }>): Promise<{ stats: ConsumeStats; reason: StopReason }> {
    const loop = defined(this.consumeLoop);
    if (this.config.produce) {
      let lastCount = -1;
      let lastChange = this.clock.nowMicros();
      const watchdog = setInterval(() => {
        const now = this.clock.nowMicros();
        // After an interrupt the user is waiting: give the consumer a few quiet seconds, not the full --timeout.
        const patienceMicros = (this.interruptedBy ? Math.min(5000, this.config.connection.timeoutMs) : this.config.connection.timeoutMs) * 1000;
        if (loop.stats.received !== lastCount) {
          lastCount = loop.stats.received;
          lastChange = now;
        } else if (now - lastChange > patienceMicros) {
          loop.stop(this.interruptedBy ? 'stopped' : 'idle');
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

  private result(
    topicInfo: TopicInfo | undefined,
    consumed: { stats: ConsumeStats; reason: StopReason } | undefined,
    sampler: ResourceSampler,
    mongo: MongoResult | undefined,
  ): RunResult {
    const client = sampler.stop();
    const seconds = (Date.now() - this.startedAt.getTime()) / 1000;
    const histograms: Record<string, string> = {};
    const producer = this.outcomes.length ? this.producerResult(this.outcomes, histograms) : undefined;
    const consumer = consumed ? this.consumerResult(consumed.stats, consumed.reason) : undefined;
    if (consumed && consumed.stats.endToEnd.count > 0) histograms.endToEnd = consumed.stats.endToEnd.encode();
    const verification = consumed ? consumed.stats.tracker.verify(this.acknowledged()) : undefined;
    const warnings: string[] = [];
    // A few late sends are hiccups; the result is bounded by ktc only when a real share of the messages left late
    // while ktc itself was busy and nothing held it back. Late because the host ran other processes (a broker
    // restarting beside ktc) is said as such: neither ktc's limit nor the cluster's.
    if (producer && producer.lateSendsHostBusy > LATE_SHARE_FOR_WARNING * producer.sent) {
      warnings.push(
        `${producer.lateSendsHostBusy} messages left more than 5 ms late while ktc was ready but not running (other processes had this host's CPU): latencies from the schedule include that wait; run ktc where nothing else competes for the CPU for cleaner figures`,
      );
    }
    if (producer && producer.lateSendsNotWaitingOnBroker > LATE_SHARE_FOR_WARNING * producer.sent) {
      warnings.push(
        `${producer.lateSendsNotWaitingOnBroker} messages left more than 5 ms late while the broker had room for more: the result is bounded by ktc (the load generator), not the cluster; try --workers`,
      );
    } else if (
      producer &&
      defined(this.config.produce).throughput < 0 &&
      client.cpuCores > 0.9 * Math.min(defined(this.config.produce).workers, availableParallelism())
    ) {
      warnings.push(
        `ktc kept ${(client.cpuCores * 100).toFixed(0)}% of a core busy: the figure may be ktc's limit rather than the cluster's${defined(this.config.produce).workers < availableParallelism() ? '; try --workers' : ''}`,
      );
    }
    if (verification && verification.outOfOrder > 0 && this.config.produce && !this.config.produce.idempotent && this.config.produce.maxInFlight > 1) {
      warnings.push(
        `${verification.outOfOrder} messages arrived out of order within a partition: without idempotence, retries with several sends in flight (--max-in-flight ${this.config.produce.maxInFlight}) can reorder them; keep idempotence on or use --max-in-flight 1 when order matters`,
      );
    }
    if (client.eventLoopDelayP99Ms > 50) {
      // A loop that is late while ktc hardly uses the CPU was not running: the host had other work.
      const cause = client.cpuCores < 0.5 ? ` while ktc used ${(client.cpuCores * 100).toFixed(0)}% of a core, so other processes had this host's CPU` : '';
      warnings.push(`ktc's event loop was up to ${client.eventLoopDelayP99Ms.toFixed(0)} ms late (p99)${cause}: latencies include that delay`);
    }
    let exitCode: number = ExitCode.ok;
    if (producer && producer.failed > 0) exitCode = ExitCode.failure;
    // The collections are the record other units compare against: a gap in them is a failed run.
    if (mongoIncomplete(mongo)) exitCode = ExitCode.failure;
    const lostOrGaps = verification ? verification.lost + (producer ? 0 : verification.gaps) : 0;
    if (this.config.verify && verification && lostOrGaps > 0) exitCode = ExitCode.verificationFailed;
    if (this.interruptedBy) exitCode = signalExitCode(this.interruptedBy);
    return {
      topic: this.config.topic,
      ...(topicInfo ? { topicInfo } : {}),
      startedAt: this.startedAt.toISOString(),
      seconds,
      ...(producer ? { producer } : {}),
      ...(consumer ? { consumer } : {}),
      ...(verification ? { verification } : {}),
      ...(mongo ? { mongo } : {}),
      interrupted: this.interruptedBy !== undefined,
      client,
      histograms,
      warnings,
      exitCode,
    };
  }

  private producerResult(outcomes: ProducerOutcome[], histograms: Record<string, string>): ProducerResult {
    const sum = (f: (o: ProducerOutcome) => number) => outcomes.reduce((a, o) => a + f(o), 0);
    const seconds = (Math.max(...outcomes.map((o) => o.endedAtMicros)) - Math.min(...outcomes.map((o) => o.startedAtMicros))) / 1e6;
    const errors = new Map<string, number>();
    for (const o of outcomes) for (const [message, n] of o.errors) errors.set(message, (errors.get(message) ?? 0) + n);
    const service = merged(outcomes, (o) => o.histograms.serviceTime);
    const response = merged(outcomes, (o) => o.histograms.responseTime);
    const slip = merged(outcomes, (o) => o.histograms.scheduleSlip);
    if (service) histograms.producerServiceTime = service.encoded;
    if (response) histograms.producerResponseTime = response.encoded;
    if (slip) histograms.producerScheduleSlip = slip.encoded;
    const acked = sum((o) => o.acked);
    const bytes = sum((o) => o.ackedBytes);
    const delivery = {
      requests: sum((o) => o.delivery.requests),
      retries: sum((o) => o.delivery.retries),
      producerIdResets: sum((o) => o.delivery.producerIdResets),
      throttledMs: sum((o) => o.delivery.throttledMs),
    };
    return {
      producerIds: outcomes.map((o) => o.producerId),
      sent: sum((o) => o.sent),
      acked,
      failed: sum((o) => o.failed),
      bytes,
      seconds,
      messagesPerSecond: rate(acked, seconds),
      mbPerSecond: rate(bytes / MB, seconds),
      serviceTime: service?.summary ?? emptySummary(),
      ...(response ? { responseTime: response.summary } : {}),
      ...(slip ? { scheduleSlip: slip.summary } : {}),
      lateSendsNotWaitingOnBroker: sum((o) => o.lateSends),
      lateSendsWaitingOnCluster: sum((o) => o.lateSendsWaitingOnCluster),
      lateSendsHostBusy: sum((o) => o.lateSendsHostBusy),
      longestStallMs: Math.max(...outcomes.map((o) => o.longestStallMicros)) / 1000,
      delivery,
      idempotent: defined(this.config.produce).idempotent,
      errors: [...errors].map(([message, count]) => ({ message, count })),
    };
  }

  /**
   * Whole milliseconds, as the Java tool reads its clock. Only the first join counts: a later rebalance (the Java
   * tool adds each one from revocation to assignment) is not reported by the engines and stays in fetch time.
   */
  private consumerSpan(s: ConsumeStats): ConsumerSpan {
    const startMs = Math.floor(this.consumerStartedAtMicros / 1000);
    const endMs = Math.floor(s.endedAtMicros / 1000);
    const joinedMs = this.consumerJoinedAtMicros ? Math.floor(this.consumerJoinedAtMicros / 1000) : endMs;
    return { startedAt: new Date(startMs).toISOString(), endedAt: new Date(endMs).toISOString(), rebalanceMs: joinedMs - startMs };
  }

  private consumerResult(s: ConsumeStats, reason: StopReason): ConsumerResult {
    const seconds = s.firstAtMicros ? (s.lastAtMicros - s.firstAtMicros) / 1e6 : 0;
    return {
      groupId: defined(this.config.consume).groupId,
      received: s.received,
      ktcMessages: s.ktc,
      otherJson: s.json,
      foreign: s.foreign,
      nullValues: s.nullValues,
      bytes: s.bytes,
      seconds,
      messagesPerSecond: rate(s.received, seconds),
      mbPerSecond: rate(s.bytes / MB, seconds),
      endToEnd: s.endToEnd.summary(),
      stopReason: reason,
      span: this.consumerSpan(s),
      ...(s.skipped
        ? { abortedRecordsSkipped: s.skipped.abortedRecords, controlRecordsSkipped: s.skipped.controlRecords, throttledMs: s.skipped.throttledMs }
        : {}),
    };
  }
}
