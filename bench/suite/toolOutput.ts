import { defined } from '../../src/defined.js';
/**
 * What the tools print, turned into numbers. Every tool reports periodic
 * windows (records done in that window and its rate), so throughput is
 * measured the same way for all of them: the windows after the warm-up,
 * summed. Formats:
 * - Apache Kafka's ProducerPerformance, and ktc --format kafka (same lines):
 *   "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency."
 *   and at the end "... , P ms 50th, P ms 95th, P ms 99th, P ms 99.9th."
 * - ConsumerPerformance --show-detailed-stats: CSV rows
 *   "time, threadId, MB (cumulative), MB.sec, nMsg (cumulative), nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"
 * - ktc --consumer --format kafka: "consumed 1,234 (+567, 890 msgs/s, 1.23 MB/s)"
 * - bench/suite/platformaticPerf: JSON lines {"window":{"records":N,"seconds":S}}
 */

export interface Window {
  records: number;
  seconds: number;
}

/**
 * The rate over every window from the first with records on (0 without one): what a run too short to measure says
 * about the tool's speed, to size the next run. Not its fastest window: at 10 KiB a producer's first windows ran at
 * ~1.8x its steady rate while the broker's page cache took them, and a retry sized from one lasted 32 s, not 10.
 */
export function activeRate(windows: readonly Window[]): number {
  let i = 0;
  while (i < windows.length && defined(windows[i]).records === 0) i++;
  let records = 0;
  let seconds = 0;
  for (const w of windows.slice(i)) {
    records += w.records;
    seconds += w.seconds;
  }
  return seconds > 0 ? records / seconds : 0;
}

export interface JavaProducerSummary {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

const num = (s: string): number => Number(s.replace(/,/g, ''));

const PRODUCER_WINDOW = /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency\.$/;
const PRODUCER_FINAL =
  /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;

/**
 * A window's length is records / rate; a window with no record has no rate,
 * so it counts as the tool's nominal reporting interval.
 */
function window(records: number, rate: number, nominalSeconds: number): Window {
  return { records, seconds: records > 0 && rate > 0 ? records / rate : nominalSeconds };
}

/** ProducerPerformance's (and ktc --format kafka's) periodic windows, in order. */
export function producerWindows(stdout: string, nominalSeconds: number): Window[] {
  const out: Window[] = [];
  for (const line of stdout.split('\n')) {
    const m = PRODUCER_WINDOW.exec(line.trim());
    if (m) out.push(window(Number(m[1]), Number(m[2]), nominalSeconds));
  }
  return out;
}

/** ProducerPerformance's last line (ktc --format kafka prints the same). */
export function producerSummary(stdout: string): JavaProducerSummary {
  for (const line of stdout.split('\n').reverse()) {
    const m = PRODUCER_FINAL.exec(line.trim());
    if (!m) continue;
    const [records, rate, mb, avg, max, p50, p95, p99, p999] = m.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return { records, recordsPerSec: rate, mbPerSec: mb, avgMs: avg, maxMs: max, p50Ms: p50, p95Ms: p95, p99Ms: p99, p999Ms: p999 };
  }
  throw new Error(`no final "records sent ... 99.9th." line in the producer's output: ${tail(stdout)}`);
}

/**
 * ConsumerPerformance --show-detailed-stats rows. The counts are cumulative,
 * so a window is the difference between consecutive rows; its length is the
 * row's fetch.time.ms (its interval less the time spent joining the group).
 */
export function javaConsumerWindows(stdout: string, nominalSeconds: number): Window[] {
  const out: Window[] = [];
  let previous = 0;
  for (const line of stdout.split('\n')) {
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < 6 || !/^\d+$/.test(defined(fields[1])) || !/^\d+$/.test(defined(fields[4]))) continue;
    const cumulative = Number(fields[4]);
    // fetch.time.ms is the row's interval without the group join (rebalance.time.ms): the time spent consuming.
    const fetchMs = fields.length >= 8 ? Number(fields[7]) : NaN;
    const records = cumulative - previous;
    out.push(fetchMs > 0 ? { records, seconds: fetchMs / 1000 } : window(records, Number(fields[5]), nominalSeconds));
    previous = cumulative;
  }
  return out;
}

/**
 * The summary row ConsumerPerformance prints without --show-detailed-stats
 * (ktc --consumer --format kafka prints the same): its fetch.nMsg.sec, the
 * rate without the group join.
 */
export function consumerSummaryRate(stdout: string): number {
  for (const line of stdout.split('\n').reverse()) {
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length >= 10 && /^\d{4}-\d\d-\d\d /.test(defined(fields[1])) && /^[\d.]+$/.test(defined(fields[9]))) return Number(fields[9]);
  }
  throw new Error(`no ConsumerPerformance summary row in the consumer's output: ${tail(stdout)}`);
}

const KTC_CONSUMER_WINDOW = /^consumed ([\d,]+) \(\+([\d,]+), ([\d,]+) msgs\/s, ([\d.]+) MB\/s\)$/;

/** ktc's consumer progress lines (--format kafka, --progress-interval). */
export function ktcConsumerWindows(stdout: string, nominalSeconds: number): Window[] {
  const out: Window[] = [];
  for (const line of stdout.split('\n')) {
    const m = KTC_CONSUMER_WINDOW.exec(line.trim());
    if (m) out.push(window(num(defined(m[2])), num(defined(m[3])), nominalSeconds));
  }
  return out;
}

/** Windows from the bench's own @platformatic/kafka runner. */
export function jsonWindows(stdout: string): Window[] {
  const out: Window[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"window"')) continue;
    const w = (JSON.parse(line) as { window: Window }).window;
    out.push({ records: w.records, seconds: w.seconds });
  }
  return out;
}

export interface SteadyRate {
  /** Records per second over the measured windows (after the warm-up, up to the measured seconds). */
  rate: number;
  records: number;
  seconds: number;
  /** Windows counted, and those left out as warm-up (leading empty ones included). */
  windows: number;
  warmupWindows: number;
}

/**
 * Throughput without the warm-up: leading empty windows (connecting, joining
 * the group) are dropped, then every window that starts before warmupSeconds
 * of activity has passed; then windows are summed until measureSeconds are
 * counted, and later ones left out. The tools do not print the last partial
 * window, so nothing after the last full one counts either.
 *
 * Why the cap: every tool is measured over the same span of its run. A run
 * sized for 15 s can last 30 (its size came from a slower round), and on a
 * disk that takes writes into the page cache at first and throttles them once
 * gigabytes are dirty, its later seconds are slower: at 48 partitions and
 * 10 KiB records, ktc's runs were measured over 18-32 s and the peer's over
 * 10-15 s, which set ktc's throttled seconds against the peer's fast ones.
 */
export function steadyRate(windows: readonly Window[], warmupSeconds: number, measureSeconds = Infinity): SteadyRate {
  let i = 0;
  while (i < windows.length && defined(windows[i]).records === 0) i++;
  let elapsed = 0;
  while (i < windows.length && elapsed < warmupSeconds - 1e-9) elapsed += defined(windows[i++]).seconds;
  const first = i;
  let seconds = 0;
  let records = 0;
  for (; i < windows.length && seconds < measureSeconds - 1e-9; i++) {
    seconds += defined(windows[i]).seconds;
    records += defined(windows[i]).records;
  }
  if (i === first || seconds <= 0) {
    throw new Error(`the run was too short: no window after the ${warmupSeconds} s warm-up (${windows.length} windows in all)`);
  }
  return { rate: records / seconds, records, seconds, windows: i - first, warmupWindows: first };
}

export interface GnuTime {
  cpuSeconds: number;
  peakRssMb: number;
  wallSeconds: number;
}

/** The last line GNU time wrote with -f '%U %S %M %e'. */
export function parseGnuTime(text: string): GnuTime {
  const last = text.trim().split('\n').at(-1) ?? '';
  const m = /^([\d.]+) ([\d.]+) (\d+) ([\d.]+)$/.exec(last.trim());
  if (!m) throw new Error(`unexpected GNU time output: ${last}`);
  return { cpuSeconds: Number(m[1]) + Number(m[2]), peakRssMb: Number(m[3]) / 1024, wallSeconds: Number(m[4]) };
}

export function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}
