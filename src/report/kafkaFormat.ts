import type { RunResult } from '../run/runResult.js';

const MB = 1024 * 1024;

/** Java's "%f": six decimals. */
const f6 = (n: number) => n.toFixed(6);

/**
 * Apache Kafka's ProducerPerformance final line, byte for byte in shape, so
 * scripts written for kafka-producer-perf-test parse ktc's output. Latency is
 * send → ack, the Java tool's definition.
 */
export function kafkaProducerFinalLine(r: RunResult): string | undefined {
  const p = r.producer;
  if (!p) return undefined;
  const s = p.serviceTime;
  const pct = (k: string) => Math.floor((s.percentiles[k] ?? 0) / 1000);
  return `${p.acked} records sent, ${f6(p.messagesPerSecond)} records/sec (${p.mbPerSecond.toFixed(2)} MB/sec), ${(s.mean / 1000).toFixed(2)} ms avg latency, ${(s.max / 1000).toFixed(2)} ms max latency, ${pct('p50')} ms 50th, ${pct('p95')} ms 95th, ${pct('p99')} ms 99th, ${pct('p99.9')} ms 99.9th.`;
}

function javaTime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`;
}

/**
 * ConsumerPerformance's header and CSV line, computed as the Java tool computes them (Kafka 4.1): its times in
 * whole milliseconds from the consumer's start to the end of consumption; rebalance.time.ms is the group join,
 * fetch.time.ms the rest, and the fetch rates are over fetch.time.ms. A zero time prints as Java's division by
 * zero does (Infinity, NaN), which JavaScript's toFixed happens to spell the same. One difference: the MB are
 * values only, where Java adds the keys (ktc's own messages have none).
 */
export function kafkaConsumerLines(r: RunResult): string[] {
  const c = r.consumer;
  if (!c?.span) return [];
  const startMs = Date.parse(c.span.startedAt);
  const endMs = Date.parse(c.span.endedAt);
  const elapsedSeconds = (endMs - startMs) / 1000;
  const fetchMs = endMs - startMs - c.span.rebalanceMs;
  const mb = c.bytes / MB;
  return [
    'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
    [
      javaTime(new Date(startMs)),
      javaTime(new Date(endMs)),
      mb.toFixed(4),
      (mb / elapsedSeconds).toFixed(4),
      c.received,
      (c.received / elapsedSeconds).toFixed(4),
      c.span.rebalanceMs,
      fetchMs,
      (mb / (fetchMs / 1000)).toFixed(4),
      (c.received / (fetchMs / 1000)).toFixed(4),
    ].join(', '),
  ];
}
