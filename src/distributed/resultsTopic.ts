import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConnectionConfig } from '../config/connection.js';
import { createKafka, type Kafka, type Producer } from '../engine/kafkajsClient.js';
import { kafkaError, type ErrorContext } from '../engine/kafkaErrors.js';
import { KtcError, type ErrorHints } from '../errors.js';
import type { RunResult } from '../run/runResult.js';

export const DEFAULT_RESULTS_TOPIC = 'ktc-results';

/** What workers of a run tell each other and `ktc results` on the results topic; keyed by run id. */
export type ResultsMessage =
  | { v: 1; kind: 'hello'; runId: string; workerId: string; host: string; at: string }
  | { v: 1; kind: 'progress'; runId: string; workerId: string; at: string; seconds: number; produced?: number; consumed?: number }
  | { v: 1; kind: 'result'; runId: string; workerId: string; at: string; result: RunResult };

/** Everything one run left on the topic so far. */
export interface RunState {
  /** Workers that announced themselves, in order. */
  hello: string[];
  results: Map<string, RunResult>;
  progress: Array<Extract<ResultsMessage, { kind: 'progress' }>>;
}

export function emptyRunState(): RunState {
  return { hello: [], results: new Map(), progress: [] };
}

/** Folds one message into a run's state; messages of other runs and of unknown shape are skipped. */
export function observe(state: RunState, runId: string, text: string): void {
  let parsed: { v?: unknown; runId?: unknown; workerId?: unknown } | null;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return;
  }
  if (parsed?.v !== 1 || parsed.runId !== runId || typeof parsed.workerId !== 'string') return;
  const m = parsed as ResultsMessage;
  if (m.kind === 'hello' && !state.hello.includes(m.workerId)) state.hello.push(m.workerId);
  else if (m.kind === 'result') state.results.set(m.workerId, m.result);
  else if (m.kind === 'progress') state.progress.push(m);
}

/** A worker's name: the pod's or host's name (an Indexed Job's pods are named by index) and its process id. */
export function defaultWorkerId(): string {
  return `${hostname()}-${process.pid}`;
}

/**
 * The results topic, through kafkajs (a few messages a run: simplicity over speed). Reading joins a consumer
 * group of its own, named under the user's group prefix so that ACLs on prefixed groups let it in.
 */
export class ResultsTopic {
  private readonly kafka: Kafka;
  /**
   * Connected once, by whichever publish comes first: the start barrier's hello and the first progress message
   * may be sent at the same moment, and kafkajs refuses a send on a producer still connecting.
   */
  private producer: Promise<Producer> | undefined;
  private readonly joinGraceMs: number;

  constructor(
    private readonly connection: ConnectionConfig,
    readonly topic: string,
    private readonly groupPrefix: string,
    /** The front end's words for error kinds, put in the engine's error lines. */
    private readonly errorHints: ErrorHints = {},
  ) {
    this.kafka = createKafka(connection);
    this.joinGraceMs = connection.timeoutMs;
  }

  /** A client error as the one line ktc prints for it (authentication, authorization, unreachable brokers). */
  private failure(err: unknown, action: ErrorContext['action'], groupId?: string): KtcError {
    if (err instanceof KtcError) return err;
    return kafkaError(
      err,
      {
        action,
        brokers: this.connection.brokers,
        topic: this.topic,
        ...(this.connection.sasl ? { username: this.connection.sasl.username } : {}),
        ...(groupId ? { groupId } : {}),
      },
      this.errorHints,
    );
  }

  /** Creates the topic when it is missing; one clear line when the user may not. */
  async ensure(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const topics = await admin.listTopics();
      if (!topics.includes(this.topic)) await admin.createTopics({ topics: [{ topic: this.topic }], waitForLeaders: true });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new KtcError(
        `results topic "${this.topic}" is missing and cannot be created (${why}): create it once with the rights to, or name one this user may write with --results-topic`,
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async publish(message: ResultsMessage): Promise<void> {
    try {
      const producer = await (this.producer ??= this.connectProducer());
      await producer.send({ topic: this.topic, acks: -1, messages: [{ key: message.runId, value: JSON.stringify(message) }] });
    } catch (err) {
      throw this.failure(err, 'produce');
    }
  }

  private async connectProducer(): Promise<Producer> {
    const producer = this.kafka.producer({ allowAutoTopicCreation: false });
    try {
      await producer.connect();
      return producer;
    } catch (err) {
      this.producer = undefined; // the next publish tries again
      throw err;
    }
  }

  /**
   * Reads the run's messages from the beginning until `done(state)` holds once the reader has caught up
   * with the end the topic had when reading began, or until `deadline` (ms since the epoch; the group join
   * and catching up get --timeout more). Resolves with what was read.
   */
  async read(runId: string, done: (state: RunState) => boolean, deadline: number): Promise<{ state: RunState; timedOut: boolean }> {
    const groupId = `${this.groupPrefix}results-${randomBytes(4).toString('hex')}`;
    try {
      return await this.readAs(groupId, runId, done, deadline);
    } catch (err) {
      throw this.failure(err, 'consume', groupId);
    }
  }

  private async readAs(groupId: string, runId: string, done: (state: RunState) => boolean, deadline: number): Promise<{ state: RunState; timedOut: boolean }> {
    const state = emptyRunState();
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    try {
      ends = new Map((await admin.fetchTopicOffsets(this.topic)).map((o) => [o.partition, BigInt(o.high)]));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const position = new Map<number, bigint>();
    const caughtUp = () => [...ends].every(([p, high]) => high === 0n || (position.get(p) ?? 0n) >= high);
    const consumer = this.kafka.consumer({ groupId, sessionTimeout: 10_000 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      return await new Promise((resolve, reject) => {
        const check = () => {
          if (caughtUp()) {
            if (done(state)) finish(false);
            else if (Date.now() >= deadline) finish(true);
          } else if (Date.now() >= deadline + this.joinGraceMs) {
            // Never reached the end of the topic (a slow group join): what was read is all there is.
            finish(true);
          }
        };
        const timer = setInterval(check, 100);
        const finish = (timedOut: boolean) => {
          clearInterval(timer);
          resolve({ state, timedOut });
        };
        consumer
          .run({
            // kafkajs awaits the handler in a try block: a throw here is handled as a rejection would be.
            eachMessage: ({ partition, message }) => {
              position.set(partition, BigInt(message.offset) + 1n);
              if (message.value) observe(state, runId, message.value.toString('utf8'));
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const connecting = this.producer;
    this.producer = undefined;
    await connecting?.then((producer) => producer.disconnect()).catch(() => undefined);
  }
}

export function helloMessage(runId: string, workerId: string): ResultsMessage {
  return { v: 1, kind: 'hello', runId, workerId, host: hostname(), at: new Date().toISOString() };
}
