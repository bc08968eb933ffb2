import { LatencyHistogram } from '../stats/latencyHistogram.js';

/** Points per decade of the percentile axis: 90%, 99%, 99.9%... each get ten. */
const STEPS_PER_DECADE = 10;
/** Up to 99.99999%: past it no run has enough samples to say anything. */
const MAX_DECADES = 7;

/** What each histogram of a RunResult measures, as the tables name it. */
export const HISTOGRAM_LABELS: Readonly<Record<string, string>> = {
  producerServiceTime: 'producer: send → ack',
  producerResponseTime: 'producer: scheduled → ack',
  producerScheduleSlip: 'producer: schedule slip',
  endToEnd: 'end-to-end: send → consumed',
};

export interface SpectrumSeries {
  /** The RunResult.histograms key. */
  name: string;
  label: string;
  count: number;
  /** Milliseconds at each x; null past the histogram's last percentile (1 - 1/count). */
  values: Array<number | null>;
}

/**
 * The latency percentile spectrum of several histograms on one axis, drawn as HdrHistogram's plotter draws
 * it: x = 1 / (1 - percentile), on a log scale, so 90%, 99%, 99.9% are evenly spaced and the tail is visible.
 */
export interface Spectrum {
  x: number[];
  series: SpectrumSeries[];
}

/** x = 1 / (1 - p) for a percentile p in [0, 100). */
export function spectrumX(percentile: number): number {
  return 1 / (1 - percentile / 100);
}

/** The percentile at x = 1 / (1 - p). */
export function spectrumPercentile(x: number): number {
  return 100 * (1 - 1 / x);
}

export function percentileSpectrum(histograms: Readonly<Record<string, string>>): Spectrum {
  const decoded: Array<{ name: string; h: LatencyHistogram }> = [];
  try {
    for (const [name, encoded] of Object.entries(histograms)) {
      const h = new LatencyHistogram();
      decoded.push({ name, h });
      h.addEncoded(encoded);
    }
    const present = decoded.filter((d) => d.h.count > 0);
    const largest = Math.max(1, ...present.map((d) => d.h.count));
    const steps = Math.min(MAX_DECADES, Math.log10(largest)) * STEPS_PER_DECADE;
    const x = Array.from({ length: Math.floor(steps + 1e-9) + 1 }, (_, i) => 10 ** (i / STEPS_PER_DECADE));
    return {
      x,
      series: present.map(({ name, h }) => ({
        name,
        label: HISTOGRAM_LABELS[name] ?? name,
        count: h.count,
        // Past 1 - 1/count, the histogram holds no sample to tell a percentile from the maximum.
        values: x.map((xi) => (xi <= h.count * (1 + 1e-9) ? h.percentile(spectrumPercentile(xi)) / 1000 : null)),
      })),
    };
  } finally {
    for (const d of decoded) d.h.destroy();
  }
}
