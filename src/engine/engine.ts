/**
 * The only surface through which ktc talks to Kafka. The send loop, consumer,
 * stats and reports depend on this, never on a client library, so a faster
 * library can be added as another implementation (as OpenMessaging Benchmark
 * does with its drivers) and a unit test can drive the loop with a fake.
 */
import type { AssignorName } from '../config/assignorNames.js';

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
  /** Brokers leading its partitions when it was described (absent in results of ktc before 2026-11-29). */
  leaders?: number;
}

export interface AdminEngine {
  ensureTopic(spec: TopicSpec): Promise<TopicInfo>;
  close(): Promise<void>;
}

export type Acks = -1 | 0 | 1;
export type { CompressionCodec as Compression } from '../config/compressionCodecs.js';
import type { CompressionCodec as Compression } from '../config/compressionCodecs.js';

export interface ProducerOptions {
  acks: Acks;
  compression: Compression;
  /** Sequence numbers per partition: retries never duplicate or reorder (Java's default since Kafka 3.0). */
  idempotent: boolean;
  /** A batch not acknowledged this long after send() fails (Java's delivery.timeout.ms); retries until then. */
  deliveryTimeoutMs: number;
  /**
   * Produce requests awaiting an answer per broker (Java's max.in.flight.requests.per.connection): later batches
   * wait in the engine for their leader's turn, so a slow leader never holds back the others.
   */
  maxInFlightPerBroker: number;
}

/**
 * The values of one partition batch. The wire engine writes each straight
 * into its request (writeTo), so a load test's values never exist as
 * objects of their own; value(i) builds one for whoever needs a Buffer
 * (kafkajs, printing, MongoDB).
 */
export interface ValueList {
  readonly length: number;
  /** All values' bytes together. */
  readonly byteLength: number;
  /** Bytes of value i. */
  sizeOf(i: number): number;
  /**
   * Writes value i at target[pos, pos + sizeOf(i)), which the caller zeroed
   * beforehand: zero bytes need not be written. Writing again gives the same
   * bytes (a retry re-encodes its request).
   */
  writeTo(i: number, target: Buffer, pos: number): void;
  /**
   * Only on lists whose values all have one size and differ from each other
   * in a few bytes: target[pos, pos + size) holds value `from` of this list,
   * and this turns it into value i. The wire engine then writes one record
   * and copies it for the rest of the batch (at 100-byte records, writing
   * every value whole was a third of the producer's CPU).
   */
  patchTo?(i: number, from: number, target: Buffer, pos: number): void;
  /** Value i as a Buffer of its own. */
  value(i: number): Buffer;
  /** Values start to end - 1, sharing whatever memory this list has. */
  slice(start: number, end: number): ValueList;
}

/** Values bound for one partition; a send carries one of these per partition it touches. */
export interface PartitionBatch {
  partition: number;
  values: ValueList;
}

/** Called once per batch, as soon as its fate is known: acknowledged (no error) or failed for good. */
export type BatchSettled<B extends PartitionBatch> = (batch: B, error: Error | undefined) => void;

/** What the producer did beyond the happy path, for the report. */
export interface DeliveryCounters {
  /** Produce requests sent, retries included. */
  requests: number;
  /** Batches sent again after a retriable failure (leader moved, broker restarting, connection lost). */
  retries: number;
  /** Times the idempotent producer had to start a new producer id (its broker-side state was lost). */
  producerIdResets: number;
  /** Time the brokers asked ktc to hold back (quota throttling), summed over responses. */
  throttledMs: number;
}

export interface ProducerEngine {
  /**
   * Delivers every batch, retrying retriable failures until the delivery
   * timeout, and calls `settled` once per batch. Never throws: failures
   * arrive through `settled`.
   */
  send<B extends PartitionBatch>(topic: string, batches: B[], settled: BatchSettled<B>): void;
  /** Fails everything not yet acknowledged with `reason`, at once (the run is ending). */
  abort(reason: Error): void;
  counters(): DeliveryCounters;
  close(): Promise<void>;
}

export interface ConsumedMessage {
  offset: string;
  value: Buffer | null;
  /** The wire engine always sets it (null: no key); kafkajs' messages carry theirs too. */
  key?: Buffer | null;
  /** In record order, duplicates kept (as Java's Headers); absent or undefined when the record has none (the wire decoder always sets the key, for one object shape). Not `headers`: kafkajs' messages use that name for an object. */
  recordHeaders?: RecordHeader[] | undefined;
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * The records of one fetched batch, read by index. The wire engine keeps them
 * as positions in the fetched bytes, so the consumer's per-record loop
 * allocates nothing (an object and two buffer views per record were a third
 * of its time at 100-byte records); message(i) builds the object for the
 * paths that print or store records. A list is valid during the onBatch call
 * that receives it: engines may reuse it for the next fetch.
 */
export interface RecordList {
  readonly length: number;
  offset(i: number): number;
  /** The bytes holding record i's value: valueLength(i) bytes from valueStart(i). */
  valueBytes(i: number): Buffer;
  valueStart(i: number): number;
  /** -1: the record has no value (a tombstone). */
  valueLength(i: number): number;
  message(i: number): ConsumedMessage;
  /** Where the values lie, for a native reader (src/native/recordFields.h); absent for lists that do not keep them so. */
  recordFields?(): RecordFields;
}

/** Record i's value is in bodies[fields[i * 6]], from fields[i * 6 + 3], fields[i * 6 + 4] bytes (-1: no value). */
export interface RecordFields {
  readonly bodies: readonly Buffer[];
  readonly fields: Int32Array;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  records: RecordList;
}

export interface ConsumerOptions {
  topic: string;
  groupId: string;
  /** Latency runs want the broker to answer a fetch as soon as anything is there. */
  maxWaitMs: number;
  /** Where to continue when the position is no longer in the log (deleted by retention): Java's auto.offset.reset. */
  autoOffsetReset: 'earliest' | 'latest';
  /** read_committed skips records of aborted transactions (and waits for open ones), as Java's isolation.level. */
  isolationLevel: 'read_committed' | 'read_uncommitted';
  /** Something the user should know that does not stop consumption (an offset reset). */
  onWarning?: (text: string) => void;
  /** How long the cluster may stay unreachable before consumption fails; default the connection's timeout. */
  unavailableTimeoutMs?: number;
  /** Group protocols offered, preferred first (Java's partition.assignment.strategy); absent: range, roundrobin. */
  assignors?: readonly AssignorName[];
  /**
   * Called each time the member sends JoinGroup to the coordinator it found: the cluster answers, and the
   * coordinator may now hold the join until the group has rebalanced (a killed member: until its session expires).
   */
  onJoinRequest?: () => void;
}

/** What the consumer skipped or waited for, for the report. */
export interface ConsumerCounters {
  /** Records of aborted transactions not delivered (read_committed). */
  abortedRecords: number;
  /** Transaction markers (control records): never messages. */
  controlRecords: number;
  /** Time brokers asked the consumer to hold back (quota throttling). */
  throttledMs: number;
}

export interface ConsumerEngine {
  /** Absent when the engine cannot tell (kafkajs). */
  counters?(): ConsumerCounters;
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
