import { ExitCode } from '../errors.js';
import type { ConsumerResult, ProducerResult, RunResult } from '../run/runResult.js';
import { emptySummary, LatencyHistogram, type LatencySummary } from '../stats/latencyHistogram.js';
import type { ProducerVerification, VerificationResult } from '../stats/sequenceTracker.js';
import type { TimelineSample } from '../run/timeline.js';
import { defined } from '../defined.js';

const MB = 1024 * 1024;

/** One worker's final result, as it published it (the --json object, histograms encoded). */
export interface WorkerResult {
  workerId: string;
  result: RunResult;
}

/** A distributed run's report: one RunResult for all workers, and who is not in it. */
export interface MergedRun {
  /** Workers whose result is merged, in the order given. */
  workers: string[];
  /** Workers that announced themselves but sent no result (killed, or still running). */
  missing: string[];
  /** Expected but never seen at all (--expect N with fewer announcements). */
  neverSeen: number;
  result: RunResult;
}

/** Histograms merged exactly: the HDR counts of every worker added, never percentiles averaged. */
function mergeHistograms(results: readonly RunResult[]): { encoded: Record<string, string>; summaries: Record<string, LatencySummary> } {
  const names = [...new Set(results.flatMap((r) => Object.keys(r.histograms)))];
  const encoded: Record<string, string> = {};
  const summaries: Record<string, LatencySummary> = {};
  for (const name of names) {
    const h = new LatencyHistogram();
    try {
      for (const r of results) {
        const one = r.histograms[name];
        if (one) h.addEncoded(one);
      }
      encoded[name] = h.encode();
      summaries[name] = h.count > 0 ? h.summary() : emptySummary();
    } finally {
      h.destroy();
    }
  }
  return { encoded, summaries };
}

const sum = <T>(items: readonly T[], f: (t: T) => number): number => items.reduce((a, t) => a + f(t), 0);
const rate = (n: number, seconds: number): number => (seconds > 0 ? n / seconds : 0);

/**
 * Producers of all workers as one. The workers started together (the start barrier), so the common window
 * is the longest producer's: total acknowledged over it is the rate the cluster took from all of them.
 */
function mergeProducers(ps: readonly ProducerResult[], summaries: Record<string, LatencySummary>): ProducerResult {
  const seconds = Math.max(...ps.map((p) => p.seconds));
  const acked = sum(ps, (p) => p.acked);
  const bytes = sum(ps, (p) => p.bytes);
  const errors = new Map<string, number>();
  for (const p of ps) for (const e of p.errors) errors.set(e.message, (errors.get(e.message) ?? 0) + e.count);
  return {
    producerIds: ps.flatMap((p) => p.producerIds),
    sent: sum(ps, (p) => p.sent),
    acked,
    failed: sum(ps, (p) => p.failed),
    bytes,
    seconds,
    messagesPerSecond: rate(acked, seconds),
    mbPerSecond: rate(bytes / MB, seconds),
    serviceTime: summaries.producerServiceTime ?? emptySummary(),
    ...(summaries.producerResponseTime ? { responseTime: summaries.producerResponseTime } : {}),
    ...(summaries.producerScheduleSlip ? { scheduleSlip: summaries.producerScheduleSlip } : {}),
    lateSendsNotWaitingOnBroker: sum(ps, (p) => p.lateSendsNotWaitingOnBroker),
    lateSendsWaitingOnCluster: sum(ps, (p) => p.lateSendsWaitingOnCluster),
    lateSendsHostBusy: sum(ps, (p) => p.lateSendsHostBusy),
    longestStallMs: Math.max(...ps.map((p) => p.longestStallMs)),
    delivery: {
      requests: sum(ps, (p) => p.delivery.requests),
      retries: sum(ps, (p) => p.delivery.retries),
      producerIdResets: sum(ps, (p) => p.delivery.producerIdResets),
      throttledMs: sum(ps, (p) => p.delivery.throttledMs),
    },
    idempotent: ps.every((p) => p.idempotent),
    errors: [...errors].map(([message, count]) => ({ message, count })),
  };
}

function mergeConsumers(cs: readonly ConsumerResult[], summaries: Record<string, LatencySummary>): ConsumerResult {
  const seconds = Math.max(...cs.map((c) => c.seconds));
  const received = sum(cs, (c) => c.received);
  const bytes = sum(cs, (c) => c.bytes);
  const groups = [...new Set(cs.map((c) => c.groupId))];
  return {
    groupId: groups.join(', '),
    received,
    ktcMessages: sum(cs, (c) => c.ktcMessages),
    otherJson: sum(cs, (c) => c.otherJson),
    foreign: sum(cs, (c) => c.foreign),
    nullValues: sum(cs, (c) => c.nullValues),
    bytes,
    seconds,
    messagesPerSecond: rate(received, seconds),
    mbPerSecond: rate(bytes / MB, seconds),
    endToEnd: summaries.endToEnd ?? emptySummary(),
    stopReason: cs.every((c) => c.stopReason === defined(cs[0]).stopReason) ? defined(cs[0]).stopReason : 'done',
  };
}

/**
 * Verification across workers: each producer's acknowledged count comes from its own worker, what was consumed
 * of it from every worker's consumer. The consumers share one group, so each read a disjoint set of partitions
 * and their unique counts add up; a message read twice across a rebalance counts as a duplicate.
 */
function mergeVerification(vs: readonly VerificationResult[]): VerificationResult {
  const byProducer = new Map<string, ProducerVerification>();
  for (const v of vs) {
    for (const p of v.producers) {
      const m = byProducer.get(p.producerId) ?? { producerId: p.producerId, received: 0, unique: 0, duplicates: 0, outOfOrder: 0, gaps: 0 };
      m.received += p.received;
      m.unique += p.unique;
      m.duplicates += p.duplicates;
      m.outOfOrder += p.outOfOrder;
      if (p.acknowledged !== undefined) m.acknowledged = p.acknowledged;
      byProducer.set(p.producerId, m);
    }
  }
  const producers = [...byProducer.values()].map((p) => {
    if (p.acknowledged === undefined) return p;
    const unique = Math.min(p.unique, p.acknowledged);
    // More received than unique: some were read by two consumers (a rebalance), not duplicated by the producer.
    return { ...p, lost: p.acknowledged - unique, gaps: p.acknowledged - unique, firstLost: [] };
  });
  return {
    producers,
    duplicates: sum(producers, (p) => p.duplicates),
    outOfOrder: sum(producers, (p) => p.outOfOrder),
    gaps: sum(producers, (p) => p.gaps),
    lost: sum(producers, (p) => p.lost ?? 0),
  };
}

/**
 * All workers' results as one RunResult, so every view (table, --json, --html) reads it as it reads a single
 * run. `announced` are the workers that said they would take part; those without a result are reported missing.
 */
export function mergeResults(results: readonly WorkerResult[], announced: readonly string[], expected?: number): MergedRun {
  const rs = results.map((w) => w.result);
  const workers = results.map((w) => w.workerId);
  const missing = announced.filter((id) => !workers.includes(id));
  const neverSeen = expected !== undefined ? Math.max(0, expected - new Set([...announced, ...workers]).size) : 0;
  const { encoded, summaries } = mergeHistograms(rs);
  const producers = rs.flatMap((r) => (r.producer ? [r.producer] : []));
  const consumers = rs.flatMap((r) => (r.consumer ? [r.consumer] : []));
  const verifications = rs.flatMap((r) => (r.verification ? [r.verification] : []));
  const verification = verifications.length ? mergeVerification(verifications) : undefined;
  const starts = rs.map((r) => Date.parse(r.startedAt));
  const ends = rs.map((r) => Date.parse(r.startedAt) + r.seconds * 1000);
  const topicInfo = rs.find((r) => r.topicInfo)?.topicInfo;
  let exitCode: number = ExitCode.ok;
  if (rs.some((r) => r.exitCode !== ExitCode.ok && r.exitCode !== ExitCode.verificationFailed) || missing.length > 0 || neverSeen > 0)
    exitCode = ExitCode.failure;
  else if (verification && verification.lost > 0) exitCode = ExitCode.verificationFailed;
  return {
    workers,
    missing,
    neverSeen,
    result: {
      topic: [...new Set(rs.map((r) => r.topic))].join(', '),
      ...(topicInfo ? { topicInfo } : {}),
      startedAt: new Date(Math.min(...starts)).toISOString(),
      seconds: (Math.max(...ends) - Math.min(...starts)) / 1000,
      ...(producers.length ? { producer: mergeProducers(producers, summaries) } : {}),
      ...(consumers.length ? { consumer: mergeConsumers(consumers, summaries) } : {}),
      ...(verification ? { verification } : {}),
      interrupted: rs.some((r) => r.interrupted),
      client: {
        cpuSeconds: sum(rs, (r) => r.client.cpuSeconds),
        cpuCores: sum(rs, (r) => r.client.cpuCores),
        peakRssMb: Math.max(...rs.map((r) => r.client.peakRssMb)),
        peakHeapMb: Math.max(...rs.map((r) => r.client.peakHeapMb)),
        eventLoopDelayP99Ms: Math.max(...rs.map((r) => r.client.eventLoopDelayP99Ms)),
        eventLoopDelayMaxMs: Math.max(...rs.map((r) => r.client.eventLoopDelayMaxMs)),
      },
      histograms: encoded,
      warnings: results.flatMap((w) => w.result.warnings.map((text) => `${w.workerId}: ${text}`)),
      exitCode,
    },
  };
}

/** One line per worker that is not in the merged figures. */
export function missingLines(run: MergedRun): string[] {
  return [
    ...run.missing.map((id) => `worker ${id} announced itself but published no result (killed, failed, or still running): its figures are not included`),
    ...(run.neverSeen > 0 ? [`${run.neverSeen} expected worker${run.neverSeen === 1 ? '' : 's'} never announced itself on the results topic`] : []),
  ];
}

/** One worker's progress message, as much of it as the timeline needs. */
export interface WorkerProgress {
  workerId: string;
  /** Wall clock, ISO 8601. */
  at: string;
  produced?: number;
  consumed?: number;
}

/**
 * Throughput over time of all workers together, from their progress messages: at each multiple of `intervalMs`
 * from the run's start, the sum of every worker's latest cumulative counters (workers' ticks differ: each
 * message goes to the nearest multiple). Latency percentiles over time cannot be summed and are left out.
 */
export function mergedTimeline(progress: readonly WorkerProgress[], startedAt: string, intervalMs: number): TimelineSample[] {
  const t0 = Date.parse(startedAt);
  const latest = new Map<string, { produced?: number; consumed?: number }>();
  const ordered = [...progress].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const samples: TimelineSample[] = [];
  const flush = (bucket: number) => {
    const values = [...latest.values()];
    const produced = values.some((v) => v.produced !== undefined) ? sum(values, (v) => v.produced ?? 0) : undefined;
    const consumed = values.some((v) => v.consumed !== undefined) ? sum(values, (v) => v.consumed ?? 0) : undefined;
    samples.push({ seconds: (bucket * intervalMs) / 1000, ...(produced !== undefined ? { produced } : {}), ...(consumed !== undefined ? { consumed } : {}) });
  };
  let bucket: number | undefined;
  for (const p of ordered) {
    const b = Math.max(0, Math.round((Date.parse(p.at) - t0) / intervalMs));
    if (bucket !== undefined && b !== bucket) flush(bucket);
    bucket = b;
    latest.set(p.workerId, {
      ...(p.produced !== undefined ? { produced: p.produced } : {}),
      ...(p.consumed !== undefined ? { consumed: p.consumed } : {}),
    });
  }
  if (bucket !== undefined) flush(bucket);
  return samples;
}
