import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionConfig } from '../../config/connection.js';
import { API, BrokerConnection } from './brokerConnection.js';
import { Writer, type Reader } from './codec.js';
import { isRetriable } from '../../errors.js';
import { connectionError, protocolError } from './protocolErrors.js';
import { defined, present } from '../../defined.js';

/** Metadata versions ktc speaks (the non-flexible ones Kafka 4 still accepts); the highest the broker has is used. */
const METADATA_VERSIONS = [4, 8] as const;

interface Broker {
  host: string;
  port: number;
}

/** The part of a broker connection the producer and fetcher use (a fake stands in for it in unit tests). */
export interface RequestChannel {
  readonly address: string;
  request(apiKey: number, version: number, body: Buffer, expectResponse?: boolean): Promise<Reader | undefined>;
  /** A response's throttle_time_ms: the connection holds back its next requests as Java does (KIP-219). */
  throttled(ms: number, apiKey: number, version: number): void;
  /** The highest version of an API both the broker and ktc (ktcMin..ktcMax) speak; a clear error when none. */
  version(apiKey: number, ktcMin: number, ktcMax: number): number;
}

/** What the producer and fetcher need to know about the cluster: leaders, and a connection to each broker. */
export interface ClusterView {
  /** Leader node id per partition index (-1 while a partition has none); asks the cluster when not known. */
  leadersOf(topic: string): Promise<number[]>;
  /** Leaders as last learned, without asking (undefined when unknown or forgotten). */
  knownLeaders(topic: string): number[] | undefined;
  /** Forget what is known about a topic's leaders: the next request asks again. */
  forget(topic: string): void;
  connection(nodeId: number): Promise<RequestChannel>;
  /** A connection to any broker, for requests that need no particular one (InitProducerId). */
  anyConnection(): Promise<RequestChannel>;
  /** Closes a broker's connection after a failure: the next request reopens it. */
  drop(nodeId: number): void;
  close(): Promise<void>;
}

/**
 * Brokers, partition leaders and one connection per broker, shared by the
 * wire producer and fetcher. Leaders are refreshed when a request says
 * leadership moved; connections are reopened after a failure.
 */
export class ClusterMetadata implements ClusterView {
  private brokers = new Map<number, Broker>();
  private readonly connections = new Map<number, Promise<BrokerConnection>>();
  private readonly leaders = new Map<string, number[]>();

  constructor(private readonly config: ConnectionConfig) {}

  /** Leader node id per partition index (-1 while a partition has none). */
  async leadersOf(topic: string): Promise<number[]> {
    if (!this.leaders.has(topic)) await this.refresh([topic]);
    return defined(this.leaders.get(topic));
  }

  knownLeaders(topic: string): number[] | undefined {
    return this.leaders.get(topic);
  }

  /** Forget what is known about a topic's leaders: the next request asks again. */
  forget(topic: string): void {
    this.leaders.delete(topic);
  }

  connection(nodeId: number): Promise<BrokerConnection> {
    const existing = this.connections.get(nodeId);
    if (existing) return existing;
    const broker = this.brokers.get(nodeId);
    if (!broker) return Promise.reject(connectionError(`broker ${nodeId} is not in the cluster metadata`));
    const opening = BrokerConnection.open(broker.host, broker.port, this.config);
    this.connections.set(nodeId, opening);
    opening.then(
      (c) => {
        if (!c.alive) this.drop(nodeId);
      },
      () => this.connections.delete(nodeId),
    );
    return opening;
  }

  async anyConnection(): Promise<BrokerConnection> {
    if (this.brokers.size === 0) await this.refresh([]);
    let lastError: Error | undefined;
    for (const id of this.brokers.keys()) {
      try {
        return await this.connection(id);
      } catch (err) {
        lastError = err as Error;
      }
    }
    throw lastError ?? connectionError('no broker in the cluster metadata');
  }

  drop(nodeId: number): void {
    const c = this.connections.get(nodeId);
    this.connections.delete(nodeId);
    void c?.then(
      (conn) => conn.close(),
      () => undefined,
    );
  }

  /** Closes open connections now; one still being opened (a stalled broker) is closed when it opens, not awaited. */
  close(): Promise<void> {
    for (const c of this.connections.values())
      void c.then(
        (conn) => conn.close(),
        () => undefined,
      );
    this.connections.clear();
    return Promise.resolve();
  }

  /** Asks any reachable broker (known ones first, then the bootstrap list) for brokers and leaders. */
  async refresh(topics: string[]): Promise<void> {
    const pooled = [...this.brokers.keys()].map((id) => ({ open: () => this.connection(id), temporary: false }));
    const bootstrap = this.config.brokers.map((address) => ({
      open: () => {
        const at = address.lastIndexOf(':');
        return BrokerConnection.open(address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1)), this.config);
      },
      temporary: true,
    }));
    let lastError: Error | undefined;
    for (const candidate of [...pooled, ...bootstrap]) {
      let connection: BrokerConnection | undefined;
      try {
        connection = await candidate.open();
        this.apply(await this.metadata(connection, topics), topics);
        return;
      } catch (err) {
        lastError = err as Error;
        if (!isRetriable(err)) throw err;
      } finally {
        if (candidate.temporary) connection?.close();
      }
    }
    throw lastError ?? connectionError('no broker to ask for metadata');
  }

  /**
   * Waits (up to timeoutMs) until every broker lists a new topic with a leader for each partition. A topic is
   * created on the controller and reaches the brokers' metadata a moment later; a client that asks another broker
   * in between is told it does not exist (the Java client waits for metadata; here the creator waits once).
   */
  async awaitTopicOnEveryBroker(topic: string, partitions: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.refresh([]);
    const waiting = new Set(this.brokers.keys());
    while (waiting.size > 0 && Date.now() < deadline) {
      for (const id of [...waiting]) {
        let connection: RequestChannel;
        try {
          connection = await this.connection(id);
        } catch {
          waiting.delete(id); // a broker that is down cannot mislead a client: clients move on to the next one
          continue;
        }
        try {
          const answer = await this.metadata(connection, [topic]);
          const leaders = answer.topics.get(topic);
          if (leaders && leaders.error === 0 && leaders.leaders.length >= partitions && leaders.leaders.every((l) => l >= 0)) waiting.delete(id);
        } catch {
          this.drop(id); // not there yet, or the broker is busy: ask again
        }
      }
      if (waiting.size > 0) await sleep(100);
    }
  }

  private async metadata(connection: RequestChannel, topics: string[]): Promise<MetadataAnswer> {
    const version = connection.version(API.metadata, ...METADATA_VERSIONS);
    const body = new Writer(64);
    body.array(topics, (t) => body.string(t));
    body.int8(0); // allow_auto_topic_creation: false
    if (version >= 8) body.int8(0).int8(0); // include cluster / topic authorized operations: no
    return parseMetadata(defined(await connection.request(API.metadata, version, body.result())), version);
  }

  private apply(answer: MetadataAnswer, topics: string[]): void {
    this.brokers = answer.brokers;
    for (const [name, { error, leaders }] of answer.topics) {
      if (error !== 0 && topics.includes(name)) throw protocolError(error, `metadata for topic "${name}"`);
      this.leaders.set(name, leaders);
    }
  }
}

interface MetadataAnswer {
  brokers: Map<number, Broker>;
  /** Per topic: its error code and the leader of each partition (-1 while a partition has none). */
  topics: Map<string, { error: number; leaders: number[] }>;
}

export function parseMetadata(r: Reader, version: number): MetadataAnswer {
  r.int32(); // throttle_time_ms
  const brokers = new Map<number, Broker>();
  r.array(() => {
    const id = r.int32();
    const host = present(r.string());
    const port = r.int32();
    r.string(); // rack
    brokers.set(id, { host, port });
  });
  r.string(); // cluster_id
  r.int32(); // controller_id
  const topics = new Map<string, { error: number; leaders: number[] }>();
  r.array(() => {
    const error = r.int16();
    const name = present(r.string());
    r.bool(); // is_internal
    const leaders: number[] = [];
    r.array(() => {
      r.int16(); // partition error: a missing leader shows as -1 and is retried at request time
      const index = r.int32();
      leaders[index] = r.int32();
      if (version >= 7) r.int32(); // leader_epoch
      r.array(() => r.int32()); // replicas
      r.array(() => r.int32()); // isr
      r.array(() => r.int32()); // offline replicas
    });
    if (version >= 8) r.int32(); // topic_authorized_operations
    topics.set(name, { error, leaders });
  });
  return { brokers, topics };
}
