import hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

let wasmReady = false;

/** The percentiles every report shows: a superset of kafka-producer-perf-test's and OpenMessaging Benchmark's. */
export const PERCENTILES = [50, 75, 90, 95, 99, 99.9, 99.99] as const;

export interface LatencySummary {
  count: number;
  /** Microseconds. */
  min: number;
  mean: number;
  max: number;
  percentiles: Record<string, number>;
}

export function emptySummary(): LatencySummary {
  return { count: 0, min: 0, mean: 0, max: 0, percentiles: Object.fromEntries(PERCENTILES.map((p) => [`p${p}`, 0])) };
}

function newHistogram(): Histogram {
  if (!wasmReady) {
    hdr.initWebAssemblySync();
    wasmReady = true;
  }
  // WebAssembly: ~20 ns per record; 64-bit buckets: counts never overflow on long runs.
  return hdr.build({ useWebAssembly: true, bitBucketSize: 64, numberOfSignificantValueDigits: 3, autoResize: true, lowestDiscernibleValue: 1 });
}

/**
 * Latencies in integer microseconds (never a 1 ms floor), 3 significant
 * digits. Mergeable across worker threads through its compressed encoding.
 */
export class LatencyHistogram {
  private histogram: Histogram = newHistogram();

  record(micros: number): void {
    this.histogram.recordValue(micros < 1 ? 1 : Math.round(micros));
  }

  recordMany(micros: number, count: number): void {
    if (count > 0) this.histogram.recordValueWithCount(micros < 1 ? 1 : Math.round(micros), count);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentile(p: number): number {
    return this.histogram.getValueAtPercentile(p);
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const percentiles: Record<string, number> = {};
    for (const p of PERCENTILES) percentiles[`p${p}`] = h.totalCount ? h.getValueAtPercentile(p) : 0;
    return {
      count: h.totalCount,
      min: h.totalCount ? h.minNonZeroValue : 0,
      mean: h.totalCount ? h.mean : 0,
      max: h.totalCount ? h.maxValue : 0,
      percentiles,
    };
  }

  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  /** Adds an encoded histogram (from a worker, or a file written with --hdr-out). */
  addEncoded(encoded: string): void {
    if (!wasmReady) newHistogram().destroy();
    const other = hdr.decodeFromCompressedBase64(encoded, 64, true);
    this.histogram.add(other);
    other.destroy();
  }

  destroy(): void {
    this.histogram.destroy();
  }
}
