import type { Acks } from '../engine/engine.js';
import type { AssignorName } from './assignorNames.js';
import type { CompressionCodec } from './compressionCodecs.js';
import type { ConnectionConfig } from './connection.js';
import type { EngineName } from './engineNames.js';
import type { PayloadFormat } from './payloadFormat.js';

/**
 * Everything a run needs, validated: the contract between the CLI (one way
 * to build it) and the producer/consumer code. Tests build it directly.
 */
export interface RunConfig {
  connection: ConnectionConfig;
  topic: string;
  produce?: ProduceConfig;
  consume?: ConsumeConfig;
  output: OutputConfig;
  /** Exit with status 3 when an acknowledged message was not consumed (or a gap was seen). */
  verify: boolean;
  /** Who moves the data: ktc's own wire protocol (produce and fetch), or kafkajs throughout. */
  engine: EngineName;
  /** --mongo-uri: also write client.py's `producer` / `consumer` documents to MongoDB (database = topic). */
  mongo?: MongoConfig;
}

export interface MongoConfig {
  /** As given: the driver parses it when the run starts (a malformed one is a usage error then). */
  uri: string;
  /** The consumer's `destination` (--origin, as client.py stamps it). */
  origin: string;
}

export interface ProduceConfig {
  /** Infinity when only --duration bounds the run. */
  numMessages: number;
  durationMs?: number;
  warmupMs: number;
  /** Absent: each value is as long as client.py's JSON needs. */
  recordSize?: number;
  payload: PayloadFormat;
  /** Messages per second; -1 = as fast as possible. */
  throughput: number;
  acks: Acks;
  /** Messages per send; absent: defaultBatchSize() once the topic's partition count is known. */
  batchSize?: number;
  maxInFlight: number;
  compression: CompressionCodec;
  idempotent: boolean;
  /** A batch is retried until this long after it was sent (Java's delivery.timeout.ms). */
  deliveryTimeoutMs: number;
  origin: string;
  /** Absent: broker defaults (client.py crashed instead). */
  partitions?: number;
  replicationFactor?: number;
  workers: number;
}

export interface ConsumeConfig {
  groupId: string;
  maxMessages?: number;
  durationMs?: number;
  idleTimeoutMs?: number;
  maxWaitMs: number;
  autoOffsetReset: 'earliest' | 'latest';
  isolationLevel: 'read_committed' | 'read_uncommitted';
  /** Group protocols offered, preferred first (Java's partition.assignment.strategy). */
  assignors: AssignorName[];
}

export type ReportFormat = 'table' | 'kafka';

export interface OutputConfig {
  logMessages: boolean;
  json: boolean;
  format: ReportFormat;
  progressIntervalMs: number;
  hdrOut?: string;
  /** --html: a self-contained HTML report with latency plots. */
  html?: string;
  logFile?: string;
}
