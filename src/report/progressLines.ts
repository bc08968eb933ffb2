import type { LiveSnapshot, ProgressSnapshot } from '../run/clientRun.js';
import { count, fixed } from './format.js';
import { defined } from '../defined.js';

const MB = 1024 * 1024;

/**
 * Formats progress snapshots: the producers' window comes in the snapshot (the run hands it over); the consumer's
 * per-interval figures are the difference between two snapshots' totals, kept here.
 */
export class ProgressWindow {
  private lastAt = 0;
  private lastReceived = 0;
  private lastConsumedBytes = 0;

  /** The Java tool's window line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency." */
  kafkaLine(s: ProgressSnapshot): string | undefined {
    const p = s.producer;
    if (!p) return this.consumerLine(s);
    const seconds = s.elapsedSeconds - this.lastAt;
    this.lastAt = s.elapsedSeconds;
    const w = p.window;
    const avg = w.acked ? w.latencySumMicros / w.acked / 1000 : 0;
    return `${w.acked} records sent, ${fixed(w.acked / seconds, 1)} records/sec (${fixed(w.bytes / MB / seconds, 2)} MB/sec), ${fixed(avg, 1)} ms avg latency, ${fixed(w.latencyMaxMicros / 1000, 1)} ms max latency.`;
  }

  /** ktc's own periodic line: the window figures of both sides, plus totals. */
  ktcLine(s: ProgressSnapshot): string {
    const parts: string[] = [`[${fixed(s.elapsedSeconds, 0)} s]`];
    const seconds = Math.max(1e-9, s.elapsedSeconds - this.lastAt);
    if (s.producer) {
      const p = s.producer;
      const w = p.window;
      const avg = w.acked ? w.latencySumMicros / w.acked / 1000 : 0;
      parts.push(
        `produced ${count(p.acked)} (+${count(w.acked)}, ${count(w.acked / seconds)} msgs/s, ${fixed(w.bytes / MB / seconds, 2)} MB/s, ack ${fixed(avg, 1)} ms avg / ${fixed(w.latencyMaxMicros / 1000, 1)} ms max)${p.failed ? `, ${count(p.failed)} failed` : ''}`,
      );
    }
    if (s.consumer) parts.push(this.consumerPart(s, seconds));
    this.lastAt = s.elapsedSeconds;
    return parts.join('  ');
  }

  private consumerPart(s: LiveSnapshot, seconds: number): string {
    const c = defined(s.consumer);
    if (!c.joined) return 'consumer joining its group...';
    const received = c.received - this.lastReceived;
    const bytes = c.bytes - this.lastConsumedBytes;
    this.lastReceived = c.received;
    this.lastConsumedBytes = c.bytes;
    return `consumed ${count(c.received)} (+${count(received)}, ${count(received / seconds)} msgs/s, ${fixed(bytes / MB / seconds, 2)} MB/s)`;
  }

  private consumerLine(s: ProgressSnapshot): string | undefined {
    if (!s.consumer) return undefined;
    const seconds = Math.max(1e-9, s.elapsedSeconds - this.lastAt);
    this.lastAt = s.elapsedSeconds;
    return this.consumerPart(s, seconds);
  }
}

/** The one-line live status on a terminal (stderr), refreshed twice a second. */
export function liveLine(s: LiveSnapshot, target: number | undefined): string {
  const parts = [`${fixed(s.elapsedSeconds, 1)} s`];
  if (s.producer) {
    const total = target !== undefined && Number.isFinite(target) ? ` / ${count(target)}` : '';
    parts.push(`produced ${count(s.producer.acked)}${total}, ${s.producer.inFlight} sends awaiting acks`);
  }
  if (s.consumer) parts.push(s.consumer.joined ? `consumed ${count(s.consumer.received)}` : 'consumer joining its group');
  return parts.join(' | ');
}
