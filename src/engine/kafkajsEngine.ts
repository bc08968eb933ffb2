import { setTimeout as sleep } from 'node:timers/promises';
import { buffersOf } from './bufferValueList.js';
import type { ConnectionConfig } from '../config/connection.js';
import type {
  AdminEngine,
  ConsumedBatch,
  ConsumedMessage,
  ConsumerEngine,
  BatchSettled,
  Compression,
  ConsumerOptions,
  DeliveryCounters,
  Engine,
  PartitionBatch,
  ProducerEngine,
  ProducerOptions,
  RecordHeader,
  TopicInfo,
  TopicSpec,
} from './engine.js';
import { kafkajsAssigners } from './groupAssignors.js';
import { isUnknownTopic } from './kafkaErrors.js';
import {
  CONSUMER_RETRY,
  CompressionTypes,
  createKafka,
  type Admin,
  type CompressionType,
  type Consumer,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from './kafkajsClient.js';
import { MessageList } from './messageList.js';
import { defined } from '../defined.js';

const KAFKAJS_CODEC: Record<Compression, CompressionType> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** How long a topic another client just created may take to show on the brokers. */
const EXISTING_TOPIC_WAIT_MS = 10_000;

/** The calls of kafkajs' admin client that KafkajsAdmin makes: what a unit test of its topic logic stands in for. */
export type KafkajsAdminClient = Pick<Admin, 'connect' | 'createTopics' | 'fetchTopicMetadata' | 'disconnect'>;

export class KafkajsAdmin implements AdminEngine {
  constructor(private readonly admin: KafkajsAdminClient) {}

  async connect(): Promise<this> {
    await this.admin.connect();
    return this;
  }

  async ensureTopic(spec: TopicSpec): Promise<TopicInfo> {
    let created: boolean;
    try {
      created = await this.create(spec);
    } catch (err) {
      // kafkajs' wait for leaders after a CreateTopics that succeeded retries only LEADER_NOT_AVAILABLE: a broker not
      // yet caught up with the controller answers UNKNOWN_TOPIC_OR_PARTITION and kafkajs gives up with it (three
      // workers creating one topic on a loaded 3-node cluster, CI of 2026-11-28). The topic is on its way: wait for it.
      if (isUnknownTopic(err)) return { ...(await this.describeExisting(spec.topic)), created: true };
      // A user without CREATE may still use a topic someone else made: describe it before giving up.
      const existing = await this.describe(spec.topic, false).catch(() => undefined);
      if (existing && existing.partitions > 0) return existing;
      throw err;
    }
    return created ? this.describe(spec.topic, true) : this.describeExisting(spec.topic);
  }

  /**
   * "Already exists" may come from another client's creation still under way (workers of one run start
   * together): its partitions reach the brokers' metadata a moment later. Like the Java client's metadata wait,
   * ask again for a while before calling the topic missing.
   */
  private async describeExisting(topic: string): Promise<TopicInfo> {
    const deadline = Date.now() + EXISTING_TOPIC_WAIT_MS;
    for (;;) {
      try {
        const info = await this.describe(topic, false);
        if (info.partitions > 0 || Date.now() >= deadline) return info;
      } catch (err) {
        if (!isUnknownTopic(err) || Date.now() >= deadline) throw err;
      }
      await sleep(200);
    }
  }

  private create(spec: TopicSpec): Promise<boolean> {
    return this.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: spec.topic,
          // -1 asks the broker for its defaults (KIP-464), where client.py crashed instead.
          numPartitions: spec.partitions ?? -1,
          replicationFactor: spec.replicationFactor ?? -1,
        },
      ],
    });
  }

  /** createTopics resolves false for an existing topic without checking it: read the real shape back. */
  private async describe(topic: string, created: boolean): Promise<TopicInfo> {
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions ?? [];
    return {
      topic,
      created,
      partitions: partitions.length,
      replicationFactor: partitions[0]?.replicas.length ?? 0,
      leaders: new Set(partitions.map((p) => p.leader).filter((id) => id >= 0)).size,
    };
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }
}

class KafkajsProducer implements ProducerEngine {
  private readonly compression: CompressionType;

  constructor(
    private readonly producer: Producer,
    private readonly options: ProducerOptions,
  ) {
    this.compression = KAFKAJS_CODEC[options.compression];
  }

  private aborted: Error | undefined;
  private readonly stats: DeliveryCounters = { requests: 0, retries: 0, producerIdResets: 0, throttledMs: 0 };

  /** kafkajs answers for a whole send: every batch of it is acknowledged, or every batch failed. */
  send<B extends PartitionBatch>(topic: string, batches: B[], settled: BatchSettled<B>): void {
    let total = 0;
    for (const b of batches) total += b.values.length;
    const messages = new Array<{ value: Buffer; partition: number }>(total);
    let i = 0;
    for (const { partition, values } of batches) for (const value of buffersOf(values)) messages[i++] = { value, partition };
    this.stats.requests++;
    this.producer.send({ topic, acks: this.options.acks, compression: this.compression, messages }).then(
      () => {
        for (const b of batches) settled(b, this.aborted);
      },
      (err: unknown) => {
        for (const b of batches) settled(b, this.aborted ?? (err instanceof Error ? err : new Error(String(err))));
      },
    );
  }

  /** kafkajs cannot cancel a send: its batches report `reason` when they settle. */
  abort(reason: Error): void {
    this.aborted = reason;
  }

  counters(): DeliveryCounters {
    return { ...this.stats };
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * kafkajs decodes headers into an object (a repeated key becomes an array); ktc's consumer reads them as the
 * list every engine gives. Headers keep their order per key; across keys kafkajs keeps only first appearance.
 */
function withRecordHeaders(messages: KafkaMessage[]): ConsumedMessage[] {
  for (const message of messages) {
    const headers = message.headers;
    if (!headers) continue;
    let list: RecordHeader[] | undefined;
    for (const key in headers) {
      const value = headers[key];
      if (value === undefined) continue;
      // kafkajs hands a null header value (length -1) through as null, which its types do not admit.
      const values: Array<Buffer | string | null> = Array.isArray(value) ? value : [value];
      for (const v of values) (list ??= []).push({ key, value: typeof v === 'string' ? Buffer.from(v) : v });
    }
    if (list) (message as ConsumedMessage).recordHeaders = list;
  }
  return messages;
}

class KafkajsConsumer implements ConsumerEngine {
  constructor(
    private readonly consumer: Consumer,
    private readonly options: ConsumerOptions,
  ) {}

  async start(onBatch: (batch: ConsumedBatch) => Promise<number>, onError: (err: unknown) => void): Promise<void> {
    let failJoin: (err: unknown) => void = () => undefined;
    const joined = new Promise<void>((resolve, reject) => {
      failJoin = reject;
      const off = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (event.payload.restart) return;
      failJoin(event.payload.error);
      onError(event.payload.error);
    });
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: this.options.autoOffsetReset === 'earliest' });
    await this.consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        const processed = await onBatch({ topic: batch.topic, partition: batch.partition, records: new MessageList(withRecordHeaders(batch.messages)) });
        if (processed > 0) payload.resolveOffset(defined(batch.messages[processed - 1]).offset);
      },
    });
    await joined;
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }
}

export class KafkajsEngine implements Engine {
  private readonly kafka: Kafka;

  constructor(connection: ConnectionConfig) {
    this.kafka = createKafka(connection);
  }

  async admin(): Promise<AdminEngine> {
    return new KafkajsAdmin(this.kafka.admin()).connect();
  }

  async producer(options: ProducerOptions): Promise<ProducerEngine> {
    const producer = this.kafka.producer({
      idempotent: options.idempotent,
      allowAutoTopicCreation: false,
      // idempotence in kafkajs means one request in flight per broker; otherwise ktc bounds in-flight itself.
      ...(options.idempotent ? { maxInFlightRequests: 1 } : {}),
    });
    await producer.connect();
    return new KafkajsProducer(producer, options);
  }

  async consumer(options: ConsumerOptions): Promise<ConsumerEngine> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitMs,
      readUncommitted: options.isolationLevel === 'read_uncommitted',
      // (--engine kafkajs) Bigger fetches than kafkajs' 1 MB per partition: a third of the consumer's time was spent waiting for the
      // next fetch; 2 MB / 16 MB measured +30% msgs/s at 100 B for ~80 MB more RSS.
      maxBytesPerPartition: 2 * 1024 * 1024,
      maxBytes: 16 * 1024 * 1024,
      retry: CONSUMER_RETRY,
      partitionAssigners: kafkajsAssigners(options.assignors, options.onJoinRequest),
    });
    await consumer.connect();
    return new KafkajsConsumer(consumer, options);
  }
}
