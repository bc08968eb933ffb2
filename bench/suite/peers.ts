/**
 * Every tool in the benchmark with its exact settings, side by side. A
 * peer's `settings` text is what the report prints next to its row; its
 * `invocation` is the exact command. The tuned settings are derived from
 * ktc's defaults for the cell, so the comparison is batch for batch:
 * - Java producer tuned: batch.size = ktc's bytes per partition batch,
 *   max.request.size = ktc's bytes per request (if above 1 MiB), linger.ms
 *   long enough to fill a batch at full speed.
 * - Java consumer tuned: ktc's fetch sizes (2 MiB per partition, 16 MiB per request).
 * - @platformatic/kafka: the caller is its batcher, so ktc's messages per
 *   send and partition layout; 5 send() calls outstanding. Idempotent, the
 *   client itself sends one request at a time per broker (it sets its
 *   connection's maxInflights to 1 then; 2.12.1, producer.js).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultBatchSize, defaultMaxInFlight, defaultPartitionsPerSend } from '../../src/config/producerDefaults.js';
import type { BenchCluster } from './benchCluster.js';
import type { Cell } from './cells.js';
import type { PeerRuntime } from './peerInstall.js';
import type { PlatformaticConsumeSettings, PlatformaticProduceSettings } from './platformaticPerf.js';
import {
  consumerSummaryRate,
  javaConsumerWindows,
  jsonWindows,
  ktcConsumerWindows,
  producerSummary,
  producerWindows,
  steadyRate,
  type Window,
} from './toolOutput.js';
import { defined } from '../../src/defined.js';

/** ktc's own fetch sizes (src/engine/wire/wireConsumer.ts). */
export const KTC_FETCH = { partitionMaxBytes: 2 * 1024 * 1024, maxBytes: 16 * 1024 * 1024 } as const;

/** What kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh give the JVM (heap) and kafka-run-class.sh adds. */
const JVM_OPTS = [
  '-Xmx512M',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
];

export interface PeerContext {
  cluster: BenchCluster;
  libsDir: string;
  ktcBin: string;
  runtime: PeerRuntime;
  /** dist/bench/suite/platformaticPerf.js */
  platformaticScript: string;
  scratchDir: string;
}

export interface Invocation {
  cmd: string;
  args: string[];
}

/** Latency of one fixed-rate run, milliseconds. */
export interface LatencyFigures {
  p50: number;
  p99: number;
  p999: number;
  /** ktc only: from the scheduled send time (no coordinated omission). */
  scheduled?: { p50: number; p99: number; p999: number };
}

export interface ProducerPeer {
  id: string;
  label: string;
  settings(cell: Cell): string;
  /** rate > 0: a fixed-rate (latency) run. */
  invocation(ctx: PeerContext, cell: Cell, topic: string, messages: number, rate: number): Invocation;
  windows(stdout: string): Window[];
  /** The whole run's rate as the tool reports it (warm-up included): sizes the measured runs. */
  totalRate(stdout: string): number;
  latency(stdout: string): LatencyFigures;
}

export interface ConsumerPeer {
  id: string;
  label: string;
  settings(cell: Cell): string;
  invocation(ctx: PeerContext, cell: Cell, topic: string, messages: number, group: string): Invocation;
  windows(stdout: string): Window[];
  /** The whole run's rate (group join left out): sizes the measured runs. */
  totalRate(stdout: string): number;
}

/** ktc's layout at its defaults for a cell: messages per send, and bytes per partition batch and per request. */
export function ktcLayout(cell: Cell): {
  messagesPerSend: number;
  partitionsPerSend: number;
  perPartitionBatch: number;
  perPartitionBytes: number;
  requestBytes: number;
  inFlight: number;
} {
  // The bench's topics spread their partitions' leaders over every node.
  const topicLeaders = Math.min(cell.nodes, cell.partitions);
  const messagesPerSend = defaultBatchSize(cell.recordSize, cell.partitions, topicLeaders);
  const partitionsPerSend = Math.min(defaultPartitionsPerSend(cell.partitions, topicLeaders), messagesPerSend);
  const perPartitionBatch = Math.ceil(messagesPerSend / partitionsPerSend);
  const leaders = Math.min(cell.nodes, partitionsPerSend);
  return {
    messagesPerSend,
    partitionsPerSend,
    perPartitionBatch,
    perPartitionBytes: perPartitionBatch * cell.recordSize,
    requestBytes: Math.ceil((messagesPerSend * cell.recordSize) / leaders),
    inFlight: defaultMaxInFlight(true),
  };
}

/** Java's batch.size is in bytes of encoded records: room for ktc's batch with each record's ~10-byte framing, a whole KiB. */
export function javaTunedProducer(cell: Cell): Record<string, string> {
  const layout = ktcLayout(cell);
  const batchBytes = Math.ceil((layout.perPartitionBatch * (cell.recordSize + 16) + 61) / 1024) * 1024;
  return {
    'batch.size': String(batchBytes),
    'linger.ms': '20',
    ...(layout.requestBytes > 1024 * 1024 ? { 'max.request.size': String(Math.ceil(layout.requestBytes * 1.1)) } : {}),
  };
}

const kv = (props: Record<string, string>): string =>
  Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
const ms = (us: number): number => us / 1000;

const ktcCommon = (ctx: PeerContext, topic: string): string[] => [ctx.ktcBin, '--credentials', ctx.cluster.credentialsFile, '-t', topic];

interface KtcJson {
  producer: { serviceTime: { percentiles: Record<string, number> }; responseTime?: { percentiles: Record<string, number> } };
}

function ktcLatency(stdout: string): LatencyFigures {
  const r = JSON.parse(stdout) as KtcJson;
  const pick = (p: Record<string, number>) => ({ p50: ms(defined(p.p50)), p99: ms(defined(p.p99)), p999: ms(defined(p['p99.9'])) });
  return { ...pick(r.producer.serviceTime.percentiles), ...(r.producer.responseTime ? { scheduled: pick(r.producer.responseTime.percentiles) } : {}) };
}

function ktcProducer(engine: 'wire' | 'kafkajs'): ProducerPeer {
  return {
    id: engine === 'wire' ? 'ktc' : 'ktc-kafkajs',
    label: engine === 'wire' ? 'ktc (defaults)' : 'ktc --engine kafkajs',
    settings: (cell) => {
      const l = ktcLayout(cell);
      return `defaults: ${l.messagesPerSend} msgs/send over ${l.partitionsPerSend} partitions (${l.perPartitionBatch} per partition batch, ${(l.perPartitionBytes / 1024).toFixed(0)} KiB), ${l.inFlight} requests in flight per broker, acks=all, idempotent`;
    },
    invocation: (ctx, cell, topic, messages, rate) => ({
      cmd: process.execPath,
      args: [
        ...ktcCommon(ctx, topic),
        '--producer',
        '-n',
        String(messages),
        '--record-size',
        String(cell.recordSize),
        ...(engine === 'kafkajs' ? ['--engine', 'kafkajs'] : []),
        ...(rate > 0 ? ['--throughput', String(rate), '--json'] : ['--format', 'kafka', '--progress-interval', '1s']),
      ],
    }),
    windows: (stdout) => producerWindows(stdout, 1),
    totalRate: (stdout) => producerSummary(stdout).recordsPerSec,
    latency: ktcLatency,
  };
}

function javaProducer(tuned: boolean): ProducerPeer {
  return {
    id: tuned ? 'java-tuned' : 'java',
    label: tuned ? 'Java ProducerPerformance, tuned' : 'Java ProducerPerformance, defaults',
    settings: (cell) =>
      tuned
        ? `acks=all ${kv(javaTunedProducer(cell))} (idempotent, 5 in flight)`
        : 'acks=all; defaults: batch.size=16384 linger.ms=5 max.in.flight=5 idempotent',
    invocation: (ctx, cell, topic, messages, rate) => ({
      cmd: 'java',
      args: [
        ...JVM_OPTS,
        '-cp',
        `${ctx.libsDir}/*`,
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        topic,
        '--num-records',
        String(messages),
        '--record-size',
        String(cell.recordSize),
        '--throughput',
        String(rate > 0 ? rate : -1),
        '--producer.config',
        ctx.cluster.javaConfigFile,
        '--producer-props',
        `bootstrap.servers=${ctx.cluster.bootstrap}`,
        'acks=all',
        ...(tuned ? Object.entries(javaTunedProducer(cell)).map(([k, v]) => `${k}=${v}`) : []),
      ],
    }),
    windows: (stdout) => producerWindows(stdout, 5),
    totalRate: (stdout) => producerSummary(stdout).recordsPerSec,
    latency: (stdout) => {
      const s = producerSummary(stdout);
      return { p50: s.p50Ms, p99: s.p99Ms, p999: s.p999Ms };
    },
  };
}

interface JsonResult {
  records: number;
  seconds: number;
  latencyUs?: Record<string, number>;
}

function jsonResult(stdout: string): JsonResult {
  const line = stdout.split('\n').find((l) => l.startsWith('{"result"'));
  if (!line) throw new Error('the @platformatic/kafka runner printed no result');
  return (JSON.parse(line) as { result: JsonResult }).result;
}

const sasl = (ctx: PeerContext) => ({ mechanism: 'SCRAM-SHA-512' as const, username: ctx.cluster.username, password: ctx.cluster.password });

const platformaticProducer: ProducerPeer = {
  id: 'platformatic',
  label: `@platformatic/kafka`,
  settings: (cell) =>
    `${ktcLayout(cell).messagesPerSend} msgs/send over ${ktcLayout(cell).partitionsPerSend} partitions (ktc's layout), 5 send() calls outstanding (idempotent, the client sends 1 request at a time per broker), acks=all`,
  invocation: (ctx, cell, topic, messages, rate) => {
    const settings: PlatformaticProduceSettings = {
      bootstrap: ctx.cluster.bootstrap.split(','),
      sasl: sasl(ctx),
      topic,
      partitions: cell.partitions,
      messages,
      recordSize: cell.recordSize,
      batch: ktcLayout(cell).messagesPerSend,
      partitionsPerSend: ktcLayout(cell).partitionsPerSend,
      inFlight: 5,
      rate: Math.max(0, rate),
    };
    return { cmd: ctx.runtime.node, args: [ctx.platformaticScript, 'produce', ctx.runtime.platformaticEntry, JSON.stringify(settings)] };
  },
  windows: jsonWindows,
  totalRate: (stdout) => {
    const r = jsonResult(stdout);
    return r.records / r.seconds;
  },
  latency: (stdout) => {
    const r = jsonResult(stdout).latencyUs;
    if (!r) throw new Error('the @platformatic/kafka runner printed no latency');
    return { p50: ms(defined(r.p50)), p99: ms(defined(r.p99)), p999: ms(defined(r['p99.9'])) };
  },
};

export const PRODUCERS: ProducerPeer[] = [ktcProducer('wire'), javaProducer(false), javaProducer(true), platformaticProducer, ktcProducer('kafkajs')];

function ktcConsumer(engine: 'wire' | 'kafkajs'): ConsumerPeer {
  return {
    id: engine === 'wire' ? 'ktc' : 'ktc-kafkajs',
    label: engine === 'wire' ? 'ktc (defaults)' : 'ktc --engine kafkajs',
    settings: () =>
      engine === 'wire'
        ? `defaults: fetch ${KTC_FETCH.partitionMaxBytes / 2 ** 20} MiB per partition, ${KTC_FETCH.maxBytes / 2 ** 20} MiB per request, CRC-32C checked`
        : `defaults: kafkajs fetching ${KTC_FETCH.partitionMaxBytes / 2 ** 20} MiB per partition, ${KTC_FETCH.maxBytes / 2 ** 20} MiB per request`,
    invocation: (ctx, _cell, topic, messages, group) => ({
      cmd: process.execPath,
      args: [
        ...ktcCommon(ctx, topic),
        '--consumer',
        '-n',
        String(messages),
        '-c',
        group,
        ...(engine === 'kafkajs' ? ['--engine', 'kafkajs'] : []),
        '--format',
        'kafka',
        '--progress-interval',
        '1s',
      ],
    }),
    windows: (stdout) => ktcConsumerWindows(stdout, 1),
    totalRate: consumerSummaryRate,
  };
}

function javaConsumer(tuned: boolean): ConsumerPeer {
  return {
    id: tuned ? 'java-tuned' : 'java',
    label: tuned ? 'Java ConsumerPerformance, tuned' : 'Java ConsumerPerformance, defaults',
    settings: () =>
      tuned
        ? `max.partition.fetch.bytes=${KTC_FETCH.partitionMaxBytes} fetch.max.bytes=${KTC_FETCH.maxBytes} (the tool forces check.crcs=false)`
        : 'defaults: max.partition.fetch.bytes=1048576 fetch.max.bytes=52428800 (the tool forces check.crcs=false)',
    invocation: (ctx, _cell, topic, messages, group) => {
      let config = ctx.cluster.javaConfigFile;
      if (tuned) {
        config = join(ctx.scratchDir, 'consumer-tuned.properties');
        writeFileSync(config, `${readConfig(ctx)}fetch.max.bytes=${KTC_FETCH.maxBytes}\n`, { mode: 0o600 });
      }
      return {
        cmd: 'java',
        args: [
          ...JVM_OPTS,
          '-cp',
          `${ctx.libsDir}/*`,
          'org.apache.kafka.tools.ConsumerPerformance',
          '--bootstrap-server',
          ctx.cluster.bootstrap,
          '--topic',
          topic,
          '--messages',
          String(messages),
          '--consumer.config',
          config,
          '--group',
          group,
          '--show-detailed-stats',
          '--reporting-interval',
          '1000',
          '--timeout',
          '60000',
          ...(tuned ? ['--fetch-size', String(KTC_FETCH.partitionMaxBytes)] : []),
        ],
      };
    },
    windows: (stdout) => javaConsumerWindows(stdout, 1),
    totalRate: (stdout) => steadyRate(javaConsumerWindows(stdout, 1), 0).rate,
  };
}

function readConfig(ctx: PeerContext): string {
  return `security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${ctx.cluster.username}" password="${ctx.cluster.password}";\n`;
}

const platformaticConsumer: ConsumerPeer = {
  id: 'platformatic',
  label: '@platformatic/kafka',
  settings: () => `maxBytesPerPartition=${KTC_FETCH.partitionMaxBytes} maxBytes=${KTC_FETCH.maxBytes} read_uncommitted`,
  invocation: (ctx, _cell, topic, messages, group) => {
    const settings: PlatformaticConsumeSettings = {
      bootstrap: ctx.cluster.bootstrap.split(','),
      sasl: sasl(ctx),
      topic,
      group,
      messages,
      maxBytes: KTC_FETCH.maxBytes,
      maxBytesPerPartition: KTC_FETCH.partitionMaxBytes,
    };
    return { cmd: ctx.runtime.node, args: [ctx.platformaticScript, 'consume', ctx.runtime.platformaticEntry, JSON.stringify(settings)] };
  },
  windows: jsonWindows,
  totalRate: (stdout) => {
    const r = jsonResult(stdout);
    return r.records / r.seconds;
  },
};

export const CONSUMERS: ConsumerPeer[] = [ktcConsumer('wire'), javaConsumer(false), javaConsumer(true), platformaticConsumer, ktcConsumer('kafkajs')];
