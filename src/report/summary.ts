import Table from 'cli-table3';
import type { ProducerResult, RunResult } from '../run/runResult.js';
import { PERCENTILES, type LatencySummary } from '../stats/latencyHistogram.js';
import { count, fixed, ms } from './format.js';
import { mongoLines } from './mongoLines.js';
import { defined } from '../defined.js';

const MB = 1024 * 1024;

function latencyTable(rows: Array<[string, LatencySummary | undefined]>): string | undefined {
  const present = rows.filter((r): r is [string, LatencySummary] => r[1] !== undefined && r[1].count > 0);
  if (present.length === 0) return undefined;
  const table = new Table({
    head: ['latency (ms)', ...PERCENTILES.map((p) => `p${p}`), 'max', 'mean'],
    style: { head: [], border: [] },
    colAligns: ['left', ...PERCENTILES.map(() => 'right' as const), 'right', 'right'],
  });
  for (const [name, s] of present) {
    table.push([name, ...PERCENTILES.map((p) => ms(defined(s.percentiles[`p${p}`]))), ms(s.max), ms(s.mean)]);
  }
  return table.toString();
}

function throughputTable(r: RunResult): string | undefined {
  const table = new Table({
    head: ['', 'messages', 'MB', 'seconds', 'msgs/s', 'MB/s'],
    style: { head: [], border: [] },
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
  });
  if (r.producer) {
    const p = r.producer;
    table.push(['produced (acked)', count(p.acked), fixed(p.bytes / MB, 2), fixed(p.seconds, 2), count(p.messagesPerSecond), fixed(p.mbPerSecond, 2)]);
  }
  if (r.consumer) {
    const c = r.consumer;
    table.push(['consumed', count(c.received), fixed(c.bytes / MB, 2), fixed(c.seconds, 2), count(c.messagesPerSecond), fixed(c.mbPerSecond, 2)]);
  }
  return table.length ? table.toString() : undefined;
}

/** Only when the cluster made ktc wait: retries, the longest stall, throttling, producer id renewals. */
function deliveryLine(p: ProducerResult): string | undefined {
  const d = p.delivery;
  const stalled = p.longestStallMs >= 1000;
  if (d.retries === 0 && !stalled && d.throttledMs === 0 && d.producerIdResets === 0) return undefined;
  const parts = [`${count(d.retries)} batch${d.retries === 1 ? '' : 'es'} retried (${count(d.requests)} produce requests)`];
  if (stalled) parts.push(`longest wait for an acknowledgement ${fixed(p.longestStallMs / 1000, 1)} s`);
  if (p.lateSendsWaitingOnCluster > 0) parts.push(`${count(p.lateSendsWaitingOnCluster)} messages left late while the cluster held ktc back`);
  if (d.throttledMs > 0) parts.push(`brokers throttled ktc for ${fixed(d.throttledMs / 1000, 1)} s (quota)`);
  if (d.producerIdResets > 0)
    parts.push(`${d.producerIdResets} new producer id${d.producerIdResets === 1 ? '' : 's'} after the broker lost the idempotent state`);
  return `Delivery: ${parts.join('; ')}.`;
}

/** Sentences for every run, small or large: what happened, whether anything is missing. */
export function summaryLines(r: RunResult): string[] {
  const lines: string[] = [];
  const topic = r.topicInfo
    ? `${r.topic} (${r.topicInfo.partitions} partition${r.topicInfo.partitions === 1 ? '' : 's'}, replication factor ${r.topicInfo.replicationFactor}${r.topicInfo.created ? ', created' : ''})`
    : r.topic;
  if (r.interrupted) lines.push('Interrupted: in-flight messages were drained before this summary.');
  if (r.producer) {
    const p = r.producer;
    lines.push(
      `Produced ${count(p.acked)} of ${count(p.sent)} messages to ${topic} in ${fixed(p.seconds, 2)} s: ${count(p.messagesPerSecond)} msgs/s, ${fixed(p.mbPerSecond, 2)} MB/s${p.failed ? `; ${count(p.failed)} NOT acknowledged` : ''}.`,
    );
    for (const e of p.errors) lines.push(`  send error (${e.count}x): ${e.message}`);
    const line = deliveryLine(p);
    if (line) lines.push(line);
  }
  if (r.consumer) {
    const c = r.consumer;
    const kinds = [`${count(c.ktcMessages)} from ktc`, `${count(c.otherJson)} other JSON`, `${count(c.foreign)} not JSON (foreign)`];
    // Only when there were any: the line stays as it was for topics without tombstones.
    if (c.nullValues) kinds.push(`${count(c.nullValues)} null value${c.nullValues === 1 ? '' : 's'}`);
    lines.push(`Consumed ${count(c.received)} messages from ${r.topic} as group ${c.groupId} (${kinds.join(', ')}).`);
    const skipped = [
      c.abortedRecordsSkipped ? `${count(c.abortedRecordsSkipped)} records of aborted transactions skipped (read_committed)` : '',
      c.controlRecordsSkipped ? `${count(c.controlRecordsSkipped)} transaction markers` : '',
      c.throttledMs ? `brokers throttled the consumer for ${fixed(c.throttledMs / 1000, 1)} s (quota)` : '',
    ].filter(Boolean);
    if (skipped.length) lines.push(`  Not messages: ${skipped.join('; ')}.`);
  }
  if (r.verification) {
    const v = r.verification;
    const mine = v.producers.filter((p) => p.acknowledged !== undefined);
    if (mine.length) {
      const acknowledged = mine.reduce((a, p) => a + (p.acknowledged ?? 0), 0);
      const consumed = acknowledged - v.lost;
      const firstLost = mine.find((p) => p.lost)?.firstLost;
      lines.push(
        `Verification: ${count(acknowledged)} acknowledged, ${count(consumed)} of them consumed: ${count(v.lost)} lost, ${count(v.duplicates)} duplicates, ${count(v.outOfOrder)} out of order.${firstLost ? ` First lost sequence numbers: ${firstLost.join(', ')}` : ''}`,
      );
    } else if (v.producers.length) {
      lines.push(
        `Verification: ${v.producers.length} ktc producer(s) seen: ${count(v.gaps)} missing sequence numbers (gaps), ${count(v.duplicates)} duplicates, ${count(v.outOfOrder)} out of order.`,
      );
    }
  }
  if (r.mongo) lines.push(...mongoLines(r.mongo));
  const c = r.client;
  lines.push(
    `ktc itself: ${fixed(c.cpuSeconds, 2)} CPU s (${fixed(c.cpuCores * 100, 0)}% of a core), peak RSS ${fixed(c.peakRssMb, 0)} MB, event loop delay p99 ${fixed(c.eventLoopDelayP99Ms, 1)} ms.`,
  );
  for (const w of r.warnings) lines.push(`Note: ${w}`);
  return lines;
}

/** The final report: tables for load runs, then the summary sentences. */
export function renderSummary(r: RunResult, withTables: boolean): string {
  const parts: string[] = [];
  if (withTables) {
    const t = throughputTable(r);
    if (t) parts.push(t);
    const l = latencyTable([
      ['producer: send → ack', r.producer?.serviceTime],
      ['producer: scheduled → ack', r.producer?.responseTime],
      ['producer: schedule slip', r.producer?.scheduleSlip],
      ['end-to-end: send → consumed', r.consumer?.endToEnd],
    ]);
    if (l) parts.push(l);
  }
  parts.push(summaryLines(r).join('\n'));
  return parts.join('\n');
}
