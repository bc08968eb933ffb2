import type { RunResult } from '../run/runResult.js';
import type { TimelineSample } from '../run/timeline.js';
import { PERCENTILES, type LatencySummary } from '../stats/latencyHistogram.js';
import { count, fixed, ms } from './format.js';
import { percentileSpectrum, type Spectrum } from './percentileSpectrum.js';
import { summaryLines } from './summary.js';
import { defined } from '../defined.js';
import { readChartLibraryFiles } from '../shipped/chartLibraryFiles.js';

const MB = 1024 * 1024;

/** What the report says about where the run came from; the run itself is all in the RunResult. */
export interface ReportContext {
  /** As typed, secrets removed (see redactedCommandLine). */
  commandLine: string;
  /** Label and value rows: ktc and Node versions, partitions, record size, settings. */
  environment: Array<[string, string]>;
  /** Why p99 over time is missing, when the caller knows better than the page can guess. */
  p99OverTimeNote?: string;
}

/** uPlot's minified script and stylesheet, inlined so the file needs no network when viewed. */
export interface ChartLibrary {
  script: string;
  style: string;
}

let library: ChartLibrary | undefined;

/**
 * uPlot: ~50 KB minified with no dependencies, draws tens of thousands of points on a canvas in a few
 * milliseconds, and has log scales (the percentile axis needs one). Chart.js is four times the size,
 * Plotly sixty times.
 */
export function chartLibrary(): ChartLibrary {
  library ??= readChartLibraryFiles();
  return library;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => defined({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

/** JSON that is safe inside a <script> element: no "</script>", no "<!--". */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A script's text that cannot end its element early. */
function inlineScript(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

function table(head: string[], rows: string[][], numericFrom = 1): string {
  const cell = (tag: string, text: string, i: number) => `<${tag}${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  return `<table><thead><tr>${head.map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function throughputRows(r: RunResult): string[][] {
  const rows: string[][] = [];
  if (r.producer) {
    const p = r.producer;
    rows.push(['produced (acked)', count(p.acked), fixed(p.bytes / MB, 2), fixed(p.seconds, 2), count(p.messagesPerSecond), fixed(p.mbPerSecond, 2)]);
  }
  if (r.consumer) {
    const c = r.consumer;
    rows.push(['consumed', count(c.received), fixed(c.bytes / MB, 2), fixed(c.seconds, 2), count(c.messagesPerSecond), fixed(c.mbPerSecond, 2)]);
  }
  return rows;
}

function latencyRows(r: RunResult): string[][] {
  const all: Array<[string, LatencySummary | undefined]> = [
    ['producer: send → ack', r.producer?.serviceTime],
    ['producer: scheduled → ack', r.producer?.responseTime],
    ['producer: schedule slip', r.producer?.scheduleSlip],
    ['end-to-end: send → consumed', r.consumer?.endToEnd],
  ];
  return all
    .filter((row): row is [string, LatencySummary] => row[1] !== undefined && row[1].count > 0)
    .map(([name, s]) => [name, count(s.count), ...PERCENTILES.map((p) => ms(defined(s.percentiles[`p${p}`]))), ms(s.max), ms(s.mean)]);
}

/** Throughput and p99 per interval between timeline samples, for the over-time charts. */
export interface TimelineSeries {
  seconds: number[];
  producedPerSecond: Array<number | null>;
  consumedPerSecond: Array<number | null>;
  producerP99Ms: Array<number | null>;
  endToEndP99Ms: Array<number | null>;
}

export function timelineSeries(samples: readonly TimelineSample[]): TimelineSeries {
  const out: TimelineSeries = { seconds: [], producedPerSecond: [], consumedPerSecond: [], producerP99Ms: [], endToEndP99Ms: [] };
  let previous: TimelineSample = { seconds: 0, produced: 0, consumed: 0 };
  for (const s of samples) {
    const dt = s.seconds - previous.seconds;
    if (dt <= 0) continue;
    const perSecond = (now: number | undefined, before: number | undefined) => (now === undefined ? null : (now - (before ?? 0)) / dt);
    out.seconds.push(s.seconds);
    out.producedPerSecond.push(perSecond(s.produced, previous.produced));
    out.consumedPerSecond.push(perSecond(s.consumed, previous.consumed));
    out.producerP99Ms.push(s.producerP99Micros === undefined ? null : s.producerP99Micros / 1000);
    out.endToEndP99Ms.push(s.endToEndP99Micros === undefined ? null : s.endToEndP99Micros / 1000);
    previous = s;
  }
  return out;
}

/** Everything the page's script draws, embedded as JSON. */
export interface ReportData {
  spectrum: Spectrum;
  timeline: TimelineSeries;
}

/** Draws the charts from the embedded data with the inlined uPlot; runs in the browser. */
const DRAW = `
(function () {
  var data = JSON.parse(document.getElementById('ktc-data').textContent);
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  function pct(x) {
    if (x == null) return '';
    var p = 100 * (1 - 1 / x);
    return (Math.round(p * 100000) / 100000) + '%';
  }
  function width(el) { return Math.max(480, Math.min(1000, el.clientWidth || 1000)); }
  function hasValues(series) { return series.some(function (v) { return v != null; }); }
  function draw(id, opts, rows) {
    var el = document.getElementById(id);
    opts.width = width(el);
    opts.height = 320;
    new uPlot(opts, rows, el);
  }
  // Produced and consumed rates (and latencies) often coincide: the first line
  // is drawn wide and solid and later ones narrower and dashed over it, so a
  // line hidden under another still shows.
  function line(i) {
    return { stroke: palette[i % palette.length], width: i === 0 ? 3 : 2, dash: i === 0 ? undefined : [8, 5] };
  }
  var s = data.spectrum;
  if (s.series.length > 0 && s.x.length > 1) {
    draw('spectrum', {
      scales: { x: { time: false, distr: 3, log: 10 } },
      axes: [
        { label: 'percentile', splits: function (u, i, min, max) {
            var out = []; for (var v = 1; v <= max * 1.0001; v *= 10) out.push(v); return out;
          }, values: function (u, splits) { return splits.map(pct); } },
        { label: 'latency (ms)', size: 60 }
      ],
      series: [{ label: 'percentile', value: function (u, v) { return pct(v); } }].concat(s.series.map(function (h, i) {
        return { label: h.label + ' (' + h.count + ')', stroke: line(i).stroke, width: line(i).width, dash: line(i).dash, value: function (u, v) { return v == null ? '' : v.toFixed(3) + ' ms'; } };
      }))
    }, [s.x].concat(s.series.map(function (h) { return h.values; })));
  } else {
    document.getElementById('spectrum').textContent = 'No latencies were recorded.';
  }
  var t = data.timeline;
  function overTime(id, yLabel, unit, named) {
    var shown = named.filter(function (n) { return hasValues(n[1]); });
    if (t.seconds.length < 2 || shown.length === 0) {
      document.getElementById(id).textContent = 'Nothing to draw: fewer than two samples, or none of these figures were sampled.';
      return;
    }
    draw(id, {
      scales: { x: { time: false } },
      axes: [{ label: 'seconds since start' }, { label: yLabel, size: 70 }],
      series: [{ label: 's' }].concat(shown.map(function (n, i) {
        return { label: n[0], stroke: line(i).stroke, width: line(i).width, dash: line(i).dash, spanGaps: true, value: function (u, v) { return v == null ? '' : v.toFixed(unit === 'ms' ? 3 : 0) + ' ' + unit; } };
      }))
    }, [t.seconds].concat(shown.map(function (n) { return n[1]; })));
  }
  overTime('throughput', 'messages / s', 'msgs/s', [['produced', t.producedPerSecond], ['consumed', t.consumedPerSecond]]);
  overTime('p99', 'p99 latency (ms)', 'ms', [['producer: send → ack', t.producerP99Ms], ['end-to-end: send → consumed', t.endToEndP99Ms]]);
})();
`;

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1040px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
th { background: #f6f6f6; } .num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; padding: 8px; white-space: pre-wrap; word-break: break-all; }
.chart { min-height: 60px; margin: 8px 0 16px; } .note { color: #666; } ul.lines { padding-left: 18px; }
`;

/**
 * One self-contained HTML file: the charting library, its data and the tables inline, and a policy that
 * forbids the page to load anything, so it opens the same offline, attached to a ticket or years later.
 */
export function renderHtmlReport(result: RunResult, context: ReportContext, lib: ChartLibrary = chartLibrary()): string {
  const data: ReportData = { spectrum: percentileSpectrum(result.histograms), timeline: timelineSeries(result.timeline ?? []) };
  const throughput = throughputRows(result);
  const latency = latencyRows(result);
  const title = `ktc report: ${result.topic}, ${result.startedAt}`;
  const noP99 = Boolean(result.timeline?.length) && !defined(result.timeline).some((s) => s.producerP99Micros !== undefined) && result.producer !== undefined;
  const p99Note =
    context.p99OverTimeNote ??
    (noP99 ? 'Producer p99 over time is not drawn: producers in worker threads hand their histograms over only at the end.' : undefined);
  const workersNote = p99Note ? `<p class="note">${escapeHtml(p99Note)}</p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ktc">
<title>${escapeHtml(title)}</title>
<style>${lib.style}</style>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">Run of ${fixed(result.seconds, 2)} s, exit status ${result.exitCode}${result.interrupted ? ' (interrupted)' : ''}.</p>
<h2>Command</h2>
<pre id="command">${escapeHtml(context.commandLine)}</pre>
<h2>Environment</h2>
${table(['', ''], context.environment, 2)}
<h2>Summary</h2>
${throughput.length ? table(['', 'messages', 'MB', 'seconds', 'msgs/s', 'MB/s'], throughput) : ''}
${latency.length ? table(['latency (ms)', 'count', ...PERCENTILES.map((p) => `p${p}`), 'max', 'mean'], latency) : ''}
<ul class="lines">${summaryLines(result)
    .map((l) => `<li>${escapeHtml(l)}</li>`)
    .join('')}</ul>
<h2>Latency by percentile</h2>
<p class="note">Percentile axis as HdrHistogram's plotter draws it: x = 1/(1 − percentile), log scale.</p>
<div class="chart" id="spectrum"></div>
<h2>Throughput over time</h2>
<div class="chart" id="throughput"></div>
<h2>p99 latency over time</h2>
<p class="note">p99 of the latencies recorded in each one-second interval.</p>
${workersNote}
<div class="chart" id="p99"></div>
<script type="application/json" id="ktc-data">${scriptJson(data)}</script>
<script>${inlineScript(lib.script)}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}
