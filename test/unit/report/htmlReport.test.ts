import { describe, expect, it } from 'vitest';
import { CLIENT_FLAGS } from '../../../src/config/clientFlags.js';
import { redactedCommandLine } from '../../../src/report/commandLine.js';
import { renderHtmlReport, timelineSeries, type ReportData } from '../../../src/report/htmlReport.js';
import { percentileSpectrum, spectrumPercentile, spectrumX } from '../../../src/report/percentileSpectrum.js';
import type { RunResult } from '../../../src/run/runResult.js';
import { LatencyHistogram } from '../../../src/stats/latencyHistogram.js';
import { defined, present } from '../../../src/defined.js';

/** An encoded histogram of 1..n µs, scaled, with a long tail: percentiles known in advance. */
function encoded(n: number, scale: number): { encoded: string; p50: number; p90: number; p99: number; p999: number } {
  const h = new LatencyHistogram();
  try {
    for (let i = 1; i <= n; i++) h.record(i * scale);
    return { encoded: h.encode(), p50: h.percentile(50), p90: h.percentile(90), p99: h.percentile(99), p999: h.percentile(99.9) };
  } finally {
    h.destroy();
  }
}

const service = encoded(10_000, 3);
const endToEnd = encoded(2_000, 7);

function result(): RunResult {
  const summary = {
    count: 10_000,
    min: 3,
    mean: 15_000,
    max: 30_000,
    percentiles: { p50: service.p50, p75: 0, p90: 0, p95: 0, p99: service.p99, 'p99.9': service.p999, 'p99.99': 0 },
  };
  return {
    topic: 'perf',
    topicInfo: { topic: 'perf', created: true, partitions: 6, replicationFactor: 3 },
    startedAt: '2026-11-24T20:00:00.000Z',
    seconds: 3,
    producer: {
      producerIds: ['a'],
      sent: 10_000,
      acked: 10_000,
      failed: 0,
      bytes: 1_000_000,
      seconds: 2.5,
      messagesPerSecond: 4000,
      mbPerSecond: 0.38,
      serviceTime: summary,
      lateSendsNotWaitingOnBroker: 0,
      lateSendsWaitingOnCluster: 0,
      lateSendsHostBusy: 0,
      longestStallMs: 3,
      delivery: { requests: 10, retries: 0, producerIdResets: 0, throttledMs: 0 },
      idempotent: true,
      errors: [],
    },
    interrupted: false,
    client: { cpuSeconds: 1, cpuCores: 0.3, peakRssMb: 90, peakHeapMb: 40, eventLoopDelayP99Ms: 2, eventLoopDelayMaxMs: 5 },
    histograms: { producerServiceTime: service.encoded, endToEnd: endToEnd.encoded },
    timeline: [
      { seconds: 1, produced: 4000, consumed: 3000, producerP99Micros: 29_000, endToEndP99Micros: 14_000 },
      { seconds: 2, produced: 9000, consumed: 8000, producerP99Micros: 30_000 },
      { seconds: 2.5, produced: 10_000, consumed: 10_000 },
    ],
    warnings: [],
    exitCode: 0,
  };
}

const LIB = { script: 'var uPlot=function(){/* stand-in */};', style: '.uplot{}' };
const CONTEXT = {
  commandLine: "ktc -p <redacted> --origin '</script><script>alert(1)</script>'",
  environment: [['ktc', '0.1.0'] as [string, string], ['partitions', '6'] as [string, string]],
};

function embeddedData(html: string): ReportData {
  const m = /<script type="application\/json" id="ktc-data">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(defined(present(m)[1])) as ReportData;
}

describe('percentile spectrum', () => {
  it('puts percentile p at x = 1/(1-p) and reads each histogram there exactly', () => {
    expect(spectrumX(99)).toBeCloseTo(100, 9);
    expect(spectrumPercentile(1000)).toBeCloseTo(99.9, 9);
    const s = percentileSpectrum({ producerServiceTime: service.encoded, endToEnd: endToEnd.encoded });
    // 10 points a decade up to the largest count (10,000 samples: 4 decades).
    expect(s.x).toHaveLength(41);
    const at = (x: number) => s.x.findIndex((v) => Math.abs(v - x) < 1e-6);
    const [producer, e2e] = s.series;
    expect(defined(producer).label).toBe('producer: send → ack');
    expect(defined(producer).values[at(10)]).toBe(service.p90 / 1000);
    expect(defined(producer).values[at(100)]).toBe(service.p99 / 1000);
    expect(defined(producer).values[at(1000)]).toBe(service.p999 / 1000);
    // 2,000 samples say nothing past 1 - 1/2000: the line stops there.
    expect(defined(e2e).values[at(1000)]).not.toBeNull();
    expect(defined(e2e).values[at(10_000)]).toBeNull();
  });
});

describe('timeline series', () => {
  it('turns cumulative counters into rates per interval and keeps p99 per interval in ms', () => {
    const t = timelineSeries(defined(result().timeline));
    expect(t.seconds).toEqual([1, 2, 2.5]);
    expect(t.producedPerSecond).toEqual([4000, 5000, 2000]);
    expect(t.consumedPerSecond).toEqual([3000, 5000, 4000]);
    expect(t.producerP99Ms).toEqual([29, 30, null]);
    expect(t.endToEndP99Ms).toEqual([14, null, null]);
  });
});

describe('HTML report', () => {
  const html = renderHtmlReport(result(), CONTEXT, LIB);

  it('loads nothing from anywhere: no src or href attribute, and a policy that forbids every fetch', () => {
    expect(html).not.toMatch(/<[a-z]+[^>]*\s(src|href)\s*=/i);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    );
  });

  it('inlines the chart library and embeds the spectrum and timeline it draws', () => {
    expect(html).toContain('<script>var uPlot=function(){/* stand-in */};</script>');
    const data = embeddedData(html);
    expect(data.spectrum.series.map((s) => s.name)).toEqual(['producerServiceTime', 'endToEnd']);
    expect(defined(data.spectrum.series[0]).values[20]).toBe(service.p99 / 1000);
    expect(data.timeline.producedPerSecond).toEqual([4000, 5000, 2000]);
  });

  it('shows the command line escaped, the environment and the summary tables', () => {
    expect(html).toContain('<pre id="command">ktc -p &lt;redacted&gt; --origin &#39;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;</pre>');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('<tr><td>partitions</td><td>6</td></tr>');
    expect(html).toContain(`<td class="num">${(service.p99 / 1000).toFixed(3)}</td>`);
    expect(html).toContain(
      '<li>Produced 10,000 of 10,000 messages to perf (6 partitions, replication factor 3, created) in 2.50 s: 4,000 msgs/s, 0.38 MB/s.</li>',
    );
  });

  it('inlines the real uPlot by default', () => {
    const real = renderHtmlReport(result(), CONTEXT);
    expect(real).toMatch(/<script>\/\*! https:\/\/github\.com\/leeoniya\/uPlot \(v1\.6\.\d+\) \*\/\nvar uPlot=/);
    expect(real.length).toBeLessThan(120_000);
  });
});

describe('command line in the report', () => {
  it('removes the password in every spelling and wherever else it appears', () => {
    const line = redactedCommandLine(
      ['-u', 'admin', '-p', 's3cret', '--password=s3cret', '-ps3cret', '--password', 's3cret', '--origin', 'x s3cret y', '-t', 'perf'],
      CLIENT_FLAGS,
      ['s3cret'],
    );
    expect(line).toBe("ktc -u admin -p <redacted> --password=<redacted> -p<redacted> --password <redacted> --origin 'x <redacted> y' -t perf");
  });
});
