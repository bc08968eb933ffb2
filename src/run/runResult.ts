import type { DeliveryCounters, TopicInfo } from '../engine/engine.js';
import type { LatencySummary } from '../stats/latencyHistogram.js';
import type { ResourceUsage } from '../stats/resourceSampler.js';
import type { VerificationResult } from '../stats/sequenceTracker.js';
import type { MongoResult } from '../mongo/mongoResult.js';
import type { StopReason } from './consumeLoop.js';
import type { TimelineSample } from './timeline.js';

/** One object in, every view out: the table, the Kafka-style lines and --json all read this. */
export interface ProducerResult {
  producerIds: string[];
  sent: number;
  acked: number;
  failed: number;
  bytes: number;
  seconds: number;
  messagesPerSecond: number;
  mbPerSecond: number;
  /** send() to acknowledgement. */
  serviceTime: LatencySummary;
  /** Scheduled send time to acknowledgement (only with --throughput). */
  responseTime?: LatencySummary;
  /** Scheduled to actual send (only with --throughput). */
  scheduleSlip?: LatencySummary;
  /** Messages that left late while the loop was not held back by the cluster: ktc, not Kafka, was the bottleneck. */
  lateSendsNotWaitingOnBroker: number;
  /** Messages that left late because the cluster held the loop back (in-flight limit reached during retries or failover). */
  lateSendsWaitingOnCluster: number;
  /** Messages that left late while ktc was ready but not running: other processes had the host's CPU. */
  lateSendsHostBusy: number;
  /** Longest time without an acknowledgement while messages waited for one (a failover shows here). */
  longestStallMs: number;
  /** Produce requests, retried batches, producer id renewals and quota throttling, summed over producers. */
  delivery: DeliveryCounters;
  idempotent: boolean;
  errors: Array<{ message: string; count: number }>;
}

export interface ConsumerResult {
  groupId: string;
  received: number;
  ktcMessages: number;
  otherJson: number;
  foreign: number;
  /** Records without a value (tombstones); not in foreign. */
  nullValues: number;
  bytes: number;
  seconds: number;
  messagesPerSecond: number;
  mbPerSecond: number;
  /** Embedded send time to consumption, for ktc's own messages. */
  endToEnd: LatencySummary;
  stopReason: StopReason;
  /** Records of aborted transactions skipped (read_committed) and transaction markers; never counted as messages. */
  abortedRecordsSkipped?: number;
  controlRecordsSkipped?: number;
  throttledMs?: number;
  /** Absent on results merged from workers: each had its own. */
  span?: ConsumerSpan;
}

/**
 * The consumer's own clock, as Apache Kafka's ConsumerPerformance keeps it (--format kafka): from its start (before
 * it connects and joins the group; where the Java tool subscribes) to the end of consumption, and how much of that
 * went to the group join, until the first partitions were assigned.
 */
export interface ConsumerSpan {
  startedAt: string;
  endedAt: string;
  rebalanceMs: number;
}

export interface RunResult {
  topic: string;
  topicInfo?: TopicInfo;
  startedAt: string;
  seconds: number;
  producer?: ProducerResult;
  consumer?: ConsumerResult;
  verification?: VerificationResult;
  /** --mongo-uri: what was written to the `producer` and `consumer` collections. */
  mongo?: MongoResult;
  interrupted: boolean;
  client: ResourceUsage;
  /** Latency histograms, HdrHistogram compressed base64 (µs), mergeable with other runs. */
  histograms: Record<string, string>;
  /** Throughput and p99 over time, sampled every second; only with --html, which draws it. */
  timeline?: TimelineSample[];
  /** Why the figures may describe ktc rather than the cluster; empty when nothing suggests it. */
  warnings: string[];
  exitCode: number;
}
