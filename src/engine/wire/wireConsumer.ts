import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { ConnectionConfig } from '../../config/connection.js';
import { CONSUMER_RETRY } from '../kafkajsClient.js';
import type { ConsumedBatch, ConsumedMessage, ConsumerEngine, ConsumerOptions } from '../engine.js';
import { API } from './brokerConnection.js';
import { ClusterMetadata } from './clusterMetadata.js';
import { Writer, type Reader } from './codec.js';
import { protocolError, type WireError } from './protocolErrors.js';
import { readRecordBatches } from './recordBatchReader.js';

const FETCH_VERSION = 4; // non-flexible; Kafka 4 accepts 4..17 (KIP-896 removed 0..3)
const PARTITION_MAX_BYTES = 2 * 1024 * 1024;
const MAX_BYTES = 16 * 1024 * 1024;


interface PartitionFetch {
  partition: number;
  error: number;
  records: Buffer | null;
}

function parseFetchResponse(r: Reader): PartitionFetch[] {
  r.int32(); // throttle_time_ms
  const out: PartitionFetch[] = [];
  r.array(() => {
    r.string(); // topic
    r.array(() => {
      const partition = r.int32();
      const error = r.int16();
      r.int64(); // high_watermark
      r.int64(); // last_stable_offset
      const aborted = r.int32();
      for (let i = 0; i < aborted; i++) {
        r.int64();
        r.int64();
      }
      out.push({ partition, error, records: r.bytes() });
    });
  });
  return out;
}

/**
 * A consumer-group member whose group membership (join, heartbeats, offset
 * commits) is kafkajs' and whose fetching is ktc's own: kafkajs keeps the
 * assigned partitions paused, ktc fetches them with one Fetch request per
 * leader and decodes the record batches without an object per field. kafkajs
 * decoding was what held the consumer at a third of Java's speed.
 */
export class WireConsumer implements ConsumerEngine {
  private readonly cluster: ClusterMetadata;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  /** Next offset to fetch per assigned partition. */
  private positions = new Map<number, number>();
  private generation = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Positions processed since the last commit; committed once a second and on close. */
  private uncommitted = new Map<number, number>();
  private commitTimer: NodeJS.Timeout | undefined;

  constructor(
    kafka: Kafka,
    connection: ConnectionConfig,
    private readonly options: ConsumerOptions,
  ) {
    this.cluster = new ClusterMetadata(connection);
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      // With every partition paused kafkajs sleeps this long between loops; disconnect waits for that sleep.
      maxWaitTimeInMs: options.maxWaitMs,
      retry: CONSUMER_RETRY,
    });
    this.admin = kafka.admin();
  }

  async connect(): Promise<this> {
    await this.consumer.connect();
    await this.admin.connect();
    return this;
  }

  async start(onBatch: (batch: ConsumedBatch) => Promise<number>, onError: (err: unknown) => void): Promise<void> {
    const { topic } = this.options;
    let failJoin: (err: unknown) => void = () => undefined;
    let joinedOnce: () => void = () => undefined;
    const joined = new Promise<void>((resolve, reject) => {
      joinedOnce = resolve;
      failJoin = reject;
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (event.payload.restart) return;
      failJoin(event.payload.error);
      onError(event.payload.error);
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      // Keep kafkajs from fetching: ktc fetches the assigned partitions itself.
      this.consumer.pause([{ topic }]);
      const assigned = event.payload.memberAssignment[topic] ?? [];
      this.assign(assigned).then(joinedOnce, (err: unknown) => {
        failJoin(err);
        onError(err);
      });
    });
    await this.consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    await joined;
    this.commitTimer = setInterval(() => void this.commit(), 1000);
    this.loop = this.fetchLoop(onBatch).catch(onError);
  }

  /** Starts each newly assigned partition at the group's committed offset, or at the earliest one. */
  private async assign(partitions: number[]): Promise<void> {
    const generation = ++this.generation;
    const { topic, groupId } = this.options;
    const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    const bounds = await this.admin.fetchTopicOffsets(topic);
    const positions = new Map<number, number>();
    for (const partition of partitions) {
      const offset = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      const bound = bounds.find((b) => b.partition === partition);
      const start = this.options.fromBeginning ? Number(bound?.low ?? 0) : Number(bound?.high ?? 0);
      positions.set(partition, offset >= 0 ? offset : start);
    }
    if (generation === this.generation) {
      this.positions = positions;
      this.uncommitted = new Map();
    }
  }

  private async fetchLoop(onBatch: (batch: ConsumedBatch) => Promise<number>): Promise<void> {
    const { topic } = this.options;
    while (!this.stopped) {
      if (this.positions.size === 0) {
        await sleep(this.options.maxWaitMs);
        continue;
      }
      const leaders = await this.cluster.leadersOf(topic);
      const byLeader = new Map<number, number[]>();
      for (const partition of this.positions.keys()) {
        const leader = leaders[partition] ?? -1;
        let list = byLeader.get(leader);
        if (!list) byLeader.set(leader, (list = []));
        list.push(partition);
      }
      let refresh = false;
      await Promise.all(
        [...byLeader].map(async ([leader, partitions]) => {
          try {
            await this.fetchFrom(leader, partitions, onBatch);
          } catch (err) {
            if ((err as WireError).retriable === false) throw err;
            this.cluster.drop(leader);
            refresh = true;
          }
        }),
      );
      if (refresh) {
        this.cluster.forget(topic);
        await sleep(200);
      }
    }
  }

  private async fetchFrom(leader: number, partitions: number[], onBatch: (batch: ConsumedBatch) => Promise<number>): Promise<void> {
    const { topic } = this.options;
    const positions = this.positions;
    const w = new Writer(128);
    w.int32(-1).int32(this.options.maxWaitMs).int32(1).int32(MAX_BYTES).int8(0);
    w.int32(1).string(topic);
    w.array(partitions, (p) => {
      w.int32(p).int64(positions.get(p)!).int32(PARTITION_MAX_BYTES);
    });
    const connection = await this.cluster.connection(leader);
    const reply = (await connection.request(API.fetch, FETCH_VERSION, w.result()))!;
    for (const { partition, error, records } of parseFetchResponse(reply)) {
      if (this.stopped || positions !== this.positions) return; // stopped, or the assignment changed meanwhile
      if (error !== 0) {
        const err = protocolError(error, `fetching ${topic}[${partition}] from ${connection.address}`);
        if (error === 1) {
          // OFFSET_OUT_OF_RANGE: the records were deleted (retention); continue from the earliest still there.
          const bound = (await this.admin.fetchTopicOffsets(topic)).find((b) => b.partition === partition);
          positions.set(partition, Number(bound?.low ?? 0));
          continue;
        }
        throw err;
      }
      if (!records || records.length === 0) continue;
      const from = positions.get(partition)!;
      const messages: ConsumedMessage[] = [];
      const { next } = readRecordBatches(records, from, messages);
      const processed = messages.length ? await onBatch({ topic, partition, messages }) : 0;
      if (processed < messages.length) {
        positions.set(partition, Number(messages[processed]?.offset ?? next));
        this.stopped = true;
      } else {
        positions.set(partition, next);
      }
      this.uncommitted.set(partition, positions.get(partition)!);
    }
  }

  private async commit(): Promise<void> {
    if (this.uncommitted.size === 0) return;
    const offsets = [...this.uncommitted].map(([partition, offset]) => ({ topic: this.options.topic, partition, offset: String(offset) }));
    this.uncommitted = new Map();
    await this.consumer.commitOffsets(offsets).catch(() => {
      // A rebalance in progress refuses commits: the new owner starts from the last accepted one (at least once).
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.commitTimer);
    await this.loop;
    await this.commit();
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
    await this.cluster.close();
  }
}
