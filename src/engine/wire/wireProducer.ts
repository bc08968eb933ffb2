import type { ConnectionConfig } from '../../config/connection.js';
import type { Acks, PartitionBatch, ProducerEngine } from '../engine.js';
import { BrokerConnection, API } from './brokerConnection.js';
import { Writer, type Reader } from './codec.js';
import { connectionError, protocolError } from './protocolErrors.js';
import { writeRecordBatch } from './recordBatch.js';

const PRODUCE_VERSION = 7; // non-flexible; Kafka 4 accepts 3..12
const METADATA_VERSION = 5; // non-flexible; Kafka 4 accepts 4..13 (KIP-896 removed 0..3)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Broker {
  host: string;
  port: number;
}

type Retriable = Error & { retriable?: boolean };

/**
 * ktc's own producer on Kafka's wire protocol: each record batch is written
 * straight into the request buffer (no object per record, one CRC pass), one
 * Produce request per leader per send. It covers what ktc's send loop needs:
 * SASL (SCRAM, PLAIN), TLS and mTLS, acks 0/1/all, retries with metadata
 * refresh when leadership moves. Idempotence and compression stay with kafkajs.
 */
export class WireProducer implements ProducerEngine {
  private brokers = new Map<number, Broker>();
  private readonly connections = new Map<number, Promise<BrokerConnection>>();
  private readonly leaders = new Map<string, number[]>();

  private constructor(
    private readonly config: ConnectionConfig,
    private readonly acks: Acks,
  ) {}

  static async connect(config: ConnectionConfig, acks: Acks): Promise<WireProducer> {
    const producer = new WireProducer(config, acks);
    await producer.refreshMetadata([]);
    return producer;
  }

  async send(topic: string, batches: PartitionBatch[]): Promise<void> {
    const started = Date.now();
    let pending = batches;
    let lastError: Retriable | undefined;
    for (let attempt = 0; ; attempt++) {
      if (!this.leaders.has(topic)) await this.refreshMetadata([topic]);
      const leaders = this.leaders.get(topic)!;
      const byLeader = new Map<number, PartitionBatch[]>();
      for (const b of pending) {
        const leader = leaders[b.partition];
        if (leader === undefined) throw protocolError(3, `topic "${topic}" has no partition ${b.partition}`);
        let list = byLeader.get(leader);
        if (!list) byLeader.set(leader, (list = []));
        list.push(b);
      }
      const failed: PartitionBatch[] = [];
      await Promise.all(
        [...byLeader].map(async ([leader, list]) => {
          try {
            const errors = await this.produceTo(leader, topic, list);
            for (const [partition, err] of errors) {
              if (!err.retriable) throw err;
              lastError = err;
              failed.push(list.find((b) => b.partition === partition)!);
            }
          } catch (err) {
            if ((err as Retriable).retriable === false) throw err;
            lastError = err as Retriable;
            this.dropConnection(leader);
            failed.push(...list);
          }
        }),
      );
      if (failed.length === 0) return;
      if (attempt >= 8 || Date.now() - started > this.config.timeoutMs) throw lastError ?? connectionError('produce kept failing');
      pending = failed;
      await sleep(Math.min(100 * 2 ** attempt, 2000));
      this.leaders.delete(topic);
    }
  }

  async close(): Promise<void> {
    for (const c of this.connections.values()) (await c.catch(() => undefined))?.close();
    this.connections.clear();
  }

  /** Sends one Produce request; returns the partitions the broker refused, with why. */
  private async produceTo(leader: number, topic: string, batches: PartitionBatch[]): Promise<Map<number, Retriable>> {
    let size = 64 + topic.length;
    for (const b of batches) {
      size += 80;
      for (const v of b.values) size += v.length + 16;
    }
    const w = new Writer(size);
    const now = Date.now();
    w.string(null).int16(this.acks).int32(this.config.timeoutMs);
    w.int32(1).string(topic);
    w.int32(batches.length);
    for (const b of batches) {
      w.int32(b.partition);
      const lengthAt = w.pos;
      w.int32(0);
      writeRecordBatch(w, b.values, now);
      w.buf.writeInt32BE(w.pos - lengthAt - 4, lengthAt);
    }
    const connection = await this.connection(leader);
    const reply = await connection.request(API.produce, PRODUCE_VERSION, w.result(), this.acks !== 0);
    return reply ? parseProduceResponse(reply, connection.address) : new Map();
  }

  private connection(nodeId: number): Promise<BrokerConnection> {
    const existing = this.connections.get(nodeId);
    if (existing) return existing;
    const broker = this.brokers.get(nodeId);
    if (!broker) return Promise.reject(connectionError(`broker ${nodeId} is not in the cluster metadata`));
    const opening = BrokerConnection.open(broker.host, broker.port, this.config);
    this.connections.set(nodeId, opening);
    opening.then(
      (c) => {
        if (!c.alive) this.dropConnection(nodeId);
      },
      () => this.connections.delete(nodeId),
    );
    return opening;
  }

  private dropConnection(nodeId: number): void {
    const c = this.connections.get(nodeId);
    this.connections.delete(nodeId);
    void c?.then((conn) => conn.close(), () => undefined);
  }

  /** Asks any reachable broker (known ones first, then the bootstrap list) for brokers and leaders. */
  private async refreshMetadata(topics: string[]): Promise<void> {
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
        const body = new Writer(64);
        body.array(topics, (t) => body.string(t));
        body.int8(0); // allow_auto_topic_creation: false
        const reply = (await connection.request(API.metadata, METADATA_VERSION, body.result()))!;
        this.applyMetadata(reply, topics);
        return;
      } catch (err) {
        lastError = err as Error;
        if ((err as Retriable).retriable === false) throw err;
      } finally {
        if (candidate.temporary) connection?.close();
      }
    }
    throw lastError ?? connectionError('no broker to ask for metadata');
  }

  private applyMetadata(r: Reader, topics: string[]): void {
    r.int32(); // throttle_time_ms
    const brokers = new Map<number, Broker>();
    r.array(() => {
      const id = r.int32();
      const host = r.string()!;
      const port = r.int32();
      r.string(); // rack
      brokers.set(id, { host, port });
    });
    this.brokers = brokers;
    r.string(); // cluster_id
    r.int32(); // controller_id
    r.array(() => {
      const error = r.int16();
      const name = r.string()!;
      r.bool(); // is_internal
      const leaders: number[] = [];
      r.array(() => {
        r.int16(); // partition error: a missing leader shows as -1 and is retried at send time
        const index = r.int32();
        leaders[index] = r.int32();
        r.array(() => r.int32()); // replicas
        r.array(() => r.int32()); // isr
        r.array(() => r.int32()); // offline replicas
      });
      if (error !== 0 && topics.includes(name)) throw protocolError(error, `metadata for topic "${name}"`);
      this.leaders.set(name, leaders);
    });
  }
}

function parseProduceResponse(r: Reader, address: string): Map<number, Retriable> {
  const errors = new Map<number, Retriable>();
  r.array(() => {
    const topic = r.string();
    r.array(() => {
      const partition = r.int32();
      const error = r.int16();
      r.int64(); // base_offset
      r.int64(); // log_append_time_ms
      r.int64(); // log_start_offset
      if (error !== 0) errors.set(partition, protocolError(error, `producing to ${topic}[${partition}] on ${address}`));
    });
  });
  return errors;
}
