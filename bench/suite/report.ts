/** The results file: machine, commands, every cell's table with the spread, latency, cost, limit and the ratio line. */
import { ratioLine, summarizeSide, type ToolSummary } from './analysis.js';
import type { BenchResults, CellResult, LatencyResult, LimitSide, Side } from './samples.js';
import { LONG_ENOUGH } from './cells.js';
import { formatSpread, median } from './stats.js';
import { defined } from '../../src/defined.js';

const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const pct = (x: number | undefined): string => (x === undefined ? '–' : `${(100 * x).toFixed(0)} %`);

/** The limit's min–max over its per-round replays, in the runs column's form (empty for results measured once). */
function limitRange(limit: LimitSide): string {
  const rates = (limit.rounds ?? []).map((r) => r.rate);
  return rates.length ? `${int(Math.min(...rates))}–${int(Math.max(...rates))} (${rates.length})` : '';
}

function sideTable(cell: CellResult, side: Side): string[] {
  const s = summarizeSide(cell, side);
  const rows = s.tools.map((t: ToolSummary) => {
    const runs = t.rate.n;
    return `| ${t.label} | ${int(t.rate.median)} | ${t.mbPerSec.toFixed(1)} | ${int(t.rate.min)}–${int(t.rate.max)} (${runs}) | ${t.ktcRatio ? formatSpread(t.ktcRatio) : ''} | ${pct(t.shareOfLimit)}${t.shareRounds ? `; per round ${pct(t.shareRounds.median)} (${pct(t.shareRounds.min)}–${pct(t.shareRounds.max)})` : ''}${t.shareOfChecked === undefined ? '' : `; ${pct(t.shareOfChecked)} of the CRC-checking replay`} | ${t.cpuSecondsPerMillion.toFixed(2)} | ${t.peakRssMb.toFixed(0)} | ${t.settings} |`;
  });
  const limit = side === 'producer' ? cell.limit?.produce : cell.limit?.fetch;
  const checked = side === 'consumer' ? cell.limit?.fetchChecked : undefined;
  return [
    `| ${side} | msgs/s (median) | MB/s | min–max (runs) | ktc/this, per round: median (min–max) | of limit: by medians; per round median (min–max) | CPU s / M msgs | peak RSS MB | settings |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    ...(limit
      ? [
          `| *limit: broker ceiling* | ${int(limit.rate)} | ${((limit.rate * cell.cell.recordSize) / 2 ** 20).toFixed(1)} | ${limitRange(limit)} | | 100 % | | | ${limit.settings} |`,
        ]
      : []),
    ...(checked
      ? [
          `| *limit, checking CRCs: a verifying consumer's ceiling* | ${int(checked.rate)} | ${((checked.rate * cell.cell.recordSize) / 2 ** 20).toFixed(1)} | ${limitRange(checked)} | | ${limit ? pct(checked.rate / limit.rate) : '–'} | | | ${checked.settings} |`,
        ]
      : []),
    '',
    s.ratio !== undefined
      ? `ktc / best peer (${defined(s.bestPeer).label}): **${s.ratio.toFixed(2)}** by medians${s.ratioRounds ? `; per round ${formatSpread(s.ratioRounds)}` : ''}`
      : `ktc / best peer: n/a`,
    '',
  ];
}

function cellSection(cell: CellResult): string[] {
  const c = cell.cell;
  return [
    `### ${c.id}: ${c.nodes} node${c.nodes > 1 ? `s, replication factor ${c.nodes}` : ''}, ${c.partitions} partitions, ${c.recordSize} B records, acks=all`,
    '',
    ...sideTable(cell, 'producer'),
    `Consumers all read one topic of ${int(cell.consumerTopicMessages)} messages written beforehand by ktc at its defaults.`,
    '',
    ...sideTable(cell, 'consumer'),
    ...(cell.notes.length ? ['Notes:', ...cell.notes.map((n) => `- ${n}`), ''] : []),
  ];
}

function latencySection(l: LatencyResult): string[] {
  const tools = [...new Set(l.runs.map((r) => r.tool))];
  const rows = tools.map((tool) => {
    const runs = l.runs.filter((r) => r.tool === tool);
    const m = (f: (x: (typeof runs)[number]) => number | undefined) => {
      const xs = runs.map(f).filter((x): x is number => x !== undefined);
      return xs.length ? median(xs).toFixed(xs.every((x) => Number.isInteger(x)) ? 0 : 2) : '–';
    };
    return `| ${defined(runs[0]).label} | ${m((r) => r.figures.p50)} | ${m((r) => r.figures.p99)} | ${m((r) => r.figures.p999)} | ${m((r) => r.figures.scheduled?.p50)} / ${m((r) => r.figures.scheduled?.p99)} / ${m((r) => r.figures.scheduled?.p999)} | ${runs.length} | ${m((r) => (r.cpuSeconds / r.messages) * 1e6)} | ${defined(runs[0]).settings} |`;
  });
  return [
    `## Latency at a fixed rate: ${l.cell.id}, ${int(l.rate)} msgs/s for ${l.seconds} s`,
    '',
    l.why,
    '',
    '| producer | send → ack p50 ms | p99 ms | p99.9 ms | ktc: scheduled → ack p50 / p99 / p99.9 ms | runs | CPU s / M msgs | settings |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    "Medians over the runs. send → ack: from the client API call that hands the message over to its acknowledgement (ProducerPerformance: send() to the callback, in whole milliseconds; ktc: the send of its batch to the partition's answer; @platformatic/kafka: send() to its promise). No run leaves out a warm-up here (the Java tool cannot), so every tool carries its own start in these figures.",
    '',
  ];
}

/** "cell: reason" entries sharing a reason become one line naming every cell. */
export function groupLeftOut(entries: readonly string[]): string[] {
  const byReason = new Map<string, string[]>();
  const other: string[] = [];
  for (const e of entries) {
    const m = /^(\d+n-\d+p-\w+): (.*)$/.exec(e);
    if (!m) {
      other.push(e);
      continue;
    }
    byReason.set(defined(m[2]), [...(byReason.get(defined(m[2])) ?? []), defined(m[1])]);
  }
  return [...[...byReason].map(([reason, cells]) => `${cells.join(', ')}: ${reason}`), ...other];
}

export function renderReport(r: BenchResults): string {
  return [
    `# ktc against the best peers, tuned: ${r.startedAt}`,
    '',
    `- command: \`${r.command}\``,
    ...(r.commit ? [`- ktc: commit ${r.commit}`] : []),
    `- machine: ${r.machine}`,
    `- versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `- ran ${r.startedAt} to ${r.endedAt}`,
    `- method: ${r.timing.rounds} rounds per cell, the tools' order rotating one place per round${r.cells.some((c) => c.limit?.produce.rounds) ? ", the limit's replay taking its turn in the rotation of each round (a tool's share of the limit is shown by medians and round by round, against the replay of the same round)" : ''}; every run sized (from a calibration run, then from the earlier rounds) to last the warm-up (producers ${r.timing.warmupSeconds.producer} s, consumers ${r.timing.warmupSeconds.consumer} s, left out) plus ${r.timing.measureSeconds} s measured, and run again (up to twice), sized from its own rate${r.timing.measureCapped ? ', into a fresh topic after the disk settled,' : ''} when it measured less than ${r.timing.measureSeconds * LONG_ENOUGH.shareOfSeconds} s and fewer than ${LONG_ENOUGH.records / 1e6} M messages; throughput = ${r.timing.measureCapped ? `the records of the tool's own periodic windows in the ${r.timing.measureSeconds} s after the warm-up over their length (later windows left out, so every tool is measured over the same span of its run, however long the run)` : "the records of the tool's own periodic windows after the warm-up over their length"}; broker threads pinned to one core and each client to the other (taskset); client CPU and peak RSS from GNU time (whole process, start-up included).`,
    '',
    ...(r.leftOut.length ? ['Left out of this run:', ...groupLeftOut(r.leftOut).map((x) => `- ${x}`), ''] : []),
    '## Throughput',
    '',
    ...r.cells.flatMap(cellSection),
    ...(r.latency ? latencySection(r.latency) : []),
    ...(r.memory.length
      ? [
          '## Memory',
          '',
          '| run | messages | record | peak RSS MB | CPU s | msgs/s |',
          '|---|---|---|---|---|---|',
          ...r.memory.map(
            (m) => `| ${m.what} | ${int(m.messages)} | ${m.recordSize} B | ${m.peakRssMb.toFixed(0)} | ${m.cpuSeconds.toFixed(1)} | ${int(m.rate)} |`,
          ),
          '',
        ]
      : []),
    ratioLine(r),
    '',
  ].join('\n');
}
