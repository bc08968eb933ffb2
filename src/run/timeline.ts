import hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { LatencyHistogram } from '../stats/latencyHistogram.js';

/** How often the timeline is sampled for --html: fine enough for a 10 s run to draw a line. */
export const TIMELINE_INTERVAL_MS = 1000;

/** One point of a run's timeline: cumulative counters and the p99 of what was recorded since the previous point. */
export interface TimelineSample {
  /** Since the run started. */
  seconds: number;
  /** Messages acknowledged so far (all producers). */
  produced?: number;
  /** Messages consumed so far. */
  consumed?: number;
  consumedBytes?: number;
  /**
   * p99 of send → ack latencies recorded since the previous sample, µs. Absent when none were recorded, or
   * when producers run in worker threads (their histograms reach the main thread only at the end).
   */
  producerP99Micros?: number;
  /** p99 of send → consumed latencies recorded since the previous sample, µs. */
  endToEndP99Micros?: number;
}

/** What the recorder reads at each tick: counters and the live cumulative histograms, never touched by it. */
export interface TimelineSource {
  seconds: number;
  produced?: number;
  consumed?: number;
  consumedBytes?: number;
  producerLatency?: LatencyHistogram;
  endToEndLatency?: LatencyHistogram;
}

/**
 * Percentiles of the values a cumulative histogram gained between two ticks: its encoding now minus the one
 * seen at the previous tick. Encoding once a second costs well under a millisecond and leaves the recording
 * side (the send loop, the consume loop) exactly as it is.
 */
class IntervalPercentile {
  private seen: Histogram | undefined;

  next(cumulative: LatencyHistogram, percentile: number): number | undefined {
    const encoded = cumulative.encode();
    const now = hdr.decodeFromCompressedBase64(encoded, 64, true);
    // The cumulative histogram only grows, so it covers every value seen before: the difference is exact.
    if (this.seen) now.subtract(this.seen);
    this.seen?.destroy();
    this.seen = hdr.decodeFromCompressedBase64(encoded, 64, true);
    try {
      return now.totalCount > 0 ? now.getValueAtPercentile(percentile) : undefined;
    } finally {
      now.destroy();
    }
  }

  destroy(): void {
    this.seen?.destroy();
    this.seen = undefined;
  }
}

/** Collects the timeline the HTML report draws: throughput and p99 over time. */
export class TimelineRecorder {
  readonly samples: TimelineSample[] = [];
  private readonly producer = new IntervalPercentile();
  private readonly endToEnd = new IntervalPercentile();

  sample(source: TimelineSource): void {
    const producerP99 = source.producerLatency ? this.producer.next(source.producerLatency, 99) : undefined;
    const endToEndP99 = source.endToEndLatency ? this.endToEnd.next(source.endToEndLatency, 99) : undefined;
    this.samples.push({
      seconds: source.seconds,
      ...(source.produced !== undefined ? { produced: source.produced } : {}),
      ...(source.consumed !== undefined ? { consumed: source.consumed } : {}),
      ...(source.consumedBytes !== undefined ? { consumedBytes: source.consumedBytes } : {}),
      ...(producerP99 !== undefined ? { producerP99Micros: producerP99 } : {}),
      ...(endToEndP99 !== undefined ? { endToEndP99Micros: endToEndP99 } : {}),
    });
  }

  destroy(): void {
    this.producer.destroy();
    this.endToEnd.destroy();
  }
}
