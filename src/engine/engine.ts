/**
 * The only surface through which ktc talks to Kafka. The send loop, consumer,
 * stats and reports depend on this, never on a client library, so a faster
 * library can be added as another implementation (as OpenMessaging Benchmark
 * does with its drivers) and a unit test can drive the loop with a fake.
 */
export interface TopicSpec {
  topic: string;
  /** Absent: the broker's num.partitions / default.replication.factor apply. */
  partitions?: number;
  replicationFactor?: number;
}

export interface TopicInfo {
  topic: string;
  created: boolean;
  partitions: number;
  replicationFactor: number;
}

export interface AdminEngine {
  ensureTopic(spec: TopicSpec): Promise<TopicInfo>;
  close(): Promise<void>;
}

export type Acks = -1 | 0 | 1;
export type Compression = 'none' | 'gzip';

export interface ProducerOptions {
  acks: Acks;
  compression: Compression;
  idempotent: boolean;
}

/** Values bound for one partition; a send carries one of these per partition it touches. */
export interface PartitionBatch {
  partition: number;
  values: Buffer[];
}

export interface ProducerEngine {
  /**
   * One produce round trip per broker: resolves when every value of every
   * batch was acknowledged (immediately for acks=0), rejects if any failed.
   */
  send(topic: string, batches: PartitionBatch[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumedMessage {
  offset: string;
  value: Buffer | null;
  /** The wire engine always sets it (null: no key); kafkajs' messages carry theirs too. */
  key?: Buffer | null;
  /** In record order, duplicates kept (as Java's Headers); absent when the record has none. Not `headers`: kafkajs' messages use that name for an object. */
  recordHeaders?: RecordHeader[];
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
}

export interface ConsumerOptions {
  topic: string;
  groupId: string;
  fromBeginning: boolean;
  /** Latency runs want the broker to answer a fetch as soon as anything is there. */
  maxWaitMs: number;
}

export interface ConsumerEngine {
  /**
   * Starts fetching. onBatch returns how many messages (from the start of the
   * batch) it processed; only those offsets are committed. onError receives a
   * failure that stopped consumption.
   */
  start(onBatch: (batch: ConsumedBatch) => Promise<number>, onError: (err: unknown) => void): Promise<void>;
  /** Leaves the group after committing what was processed. */
  close(): Promise<void>;
}

export interface Engine {
  admin(): Promise<AdminEngine>;
  producer(options: ProducerOptions): Promise<ProducerEngine>;
  consumer(options: ConsumerOptions): Promise<ConsumerEngine>;
}
