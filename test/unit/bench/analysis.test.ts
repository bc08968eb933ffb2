import { describe, expect, it } from 'vitest';
import { overallRatios, ratioLine, summarizeSide } from '../../../bench/suite/analysis.js';
import type { BenchResults, CellResult, RunSample, ToolResult } from '../../../bench/suite/samples.js';
import { BEGIN, END, newestPerCell, readmeTable, replaceBetweenMarkers, type ResultsFile } from '../../../bench/suite/readmeTable.js';
import { renderReport } from '../../../bench/suite/report.js';
import { defined } from '../../../src/defined.js';

const run = (round: number, rate: number): RunSample => ({
  round,
  position: 0,
  messages: 2_000_000,
  rate,
  measuredRecords: rate * 10,
  measuredSeconds: 10,
  cpuSeconds: 4,
  peakRssMb: 100 + round,
  wallSeconds: 15,
  load1: 1,
});

const tool = (id: string, rates: number[]): ToolResult => ({
  id,
  label: id,
  settings: `${id} settings`,
  command: id,
  runs: rates.map((r, i) => run(i + 1, r)),
});

function cell(id: string, producer: ToolResult[], consumer: ToolResult[], limit?: number): CellResult {
  return {
    cell: { id, nodes: 1, partitions: 6, recordSize: 1024 },
    consumerTopicMessages: 1000,
    producer,
    consumer,
    ...(limit ? { limit: { produce: { rate: limit, settings: '' }, fetch: { rate: limit * 2, settings: '' } } } : {}),
    notes: [],
  };
}

const cellA = cell(
  '1n-6p-1KiB',
  [tool('ktc', [100, 120, 110]), tool('java', [50, 60, 55]), tool('java-tuned', [90, 100, 100]), tool('ktc-kafkajs', [500, 500, 500])],
  [tool('ktc', [300, 300, 300]), tool('platformatic', [200, 250, 150])],
  200,
);
const cellB = cell('1n-48p-1KiB', [tool('ktc', [80, 80, 80]), tool('java-tuned', [100, 100, 100])], [tool('ktc', [400]), tool('java', [100])]);

const results: BenchResults = {
  startedAt: '2026-11-27T00:00:00Z',
  endedAt: '2026-11-27T01:00:00Z',
  machine: 'test machine',
  versions: {},
  command: 'npm run bench',
  timing: { rounds: 3, warmupSeconds: { producer: 5, consumer: 2 }, measureSeconds: 10 },
  cells: [cellA, cellB],
  memory: [],
  leftOut: [],
};

describe('bench analysis', () => {
  it("picks the fastest peer by median, never ktc's own kafkajs engine", () => {
    const s = summarizeSide(cellA, 'producer');
    expect(s.bestPeer?.id).toBe('java-tuned');
    expect(s.ratio).toBeCloseTo(110 / 100, 12);
    // rounds: 100/90, 120/100, 110/100
    expect(s.ratioRounds).toMatchObject({ min: 1.1, max: 1.2, median: 100 / 90 });
  });

  it("gives each tool its spread, ktc's per-round ratio to it, its share of the limit and its cost", () => {
    const java = defined(summarizeSide(cellA, 'producer').tools.find((t) => t.id === 'java'));
    expect(java.rate).toMatchObject({ median: 55, min: 50, max: 60, n: 3 });
    expect(java.ktcRatio?.median).toBe(2);
    expect(java.shareOfLimit).toBe(55 / 200);
    expect(java.cpuSecondsPerMillion).toBe(2);
    expect(java.peakRssMb).toBe(103);
    expect(java.mbPerSec).toBeCloseTo((55 * 1024) / 2 ** 20, 12);
  });

  it("with the limit replayed per round, a tool's share pairs each round's rate with that round's replay", () => {
    const perRound: CellResult = {
      ...cellA,
      limit: {
        produce: {
          rate: 200,
          settings: '',
          rounds: [
            { round: 1, rate: 125 },
            { round: 2, rate: 200 },
            { round: 3, rate: 220 },
          ],
        },
        fetch: { rate: 400, settings: '' },
      },
    };
    const ktc = defined(summarizeSide(perRound, 'producer').tools.find((t) => t.id === 'ktc'));
    // ktc 100, 120, 110 against 125, 200, 220: 0.8, 0.6, 0.5
    expect(ktc.shareRounds).toMatchObject({ median: 0.6, min: 0.5, max: 0.8, n: 3 });
    expect(ktc.shareOfLimit).toBe(110 / 200);
    // A limit measured once (results from before) gives no per-round shares.
    expect(defined(summarizeSide(perRound, 'consumer').tools.find((t) => t.id === 'ktc')).shareRounds).toBeUndefined();
  });

  it('the consumer side is measured against the fetch limit', () => {
    const ktc = defined(summarizeSide(cellA, 'consumer').tools.find((t) => t.id === 'ktc'));
    expect(ktc.shareOfLimit).toBe(300 / 400);
    expect(ktc.shareOfChecked).toBeUndefined(); // results from before the CRC-checking replay
    const checked: CellResult = { ...cellA, limit: { ...defined(cellA.limit), fetchChecked: { rate: 350, settings: 'checked' } } };
    const withChecked = defined(summarizeSide(checked, 'consumer').tools.find((t) => t.id === 'ktc'));
    expect([withChecked.shareOfLimit, withChecked.shareOfChecked]).toEqual([300 / 400, 300 / 350]);
    expect(defined(summarizeSide(checked, 'producer').tools.find((t) => t.id === 'ktc')).shareOfChecked).toBeUndefined();
    expect(readmeTable([{ cell: checked, run: { name: 'f.json', results } }])).toContain('| 75 %; 86 % of the replay checking CRCs |');
    expect(renderReport({ ...results, cells: [checked] })).toContain(
      "| *limit, checking CRCs: a verifying consumer's ceiling* | 350 | 0.3 |  | | 88 % | | | checked |",
    );
  });

  it('the overall ratio is the minimum over cells, per side', () => {
    expect(overallRatios(results)).toEqual({ producer: 0.8, consumer: 1.5 });
    expect(ratioLine(results)).toBe('ratio ktc/best-peer producer=0.80 consumer=1.50');
  });
});

describe('the README table', () => {
  const readme = `# ktc\n\n## Benchmarks\n\nintro\n\n${BEGIN}\nold table\n${END}\n\n## Requirements\nkept\n`;

  it('replaces only what lies between the markers, writing the begin marker anew', () => {
    const out = replaceBetweenMarkers(readme, 'NEW');
    expect(out).toBe(`# ktc\n\n## Benchmarks\n\nintro\n\n${BEGIN}\nNEW\n${END}\n\n## Requirements\nkept\n`);
    expect(replaceBetweenMarkers(out, 'NEW')).toBe(out);
    const olderMarker = readme.replace(BEGIN, '<!-- bench:begin (generated from the latest file) -->');
    expect(replaceBetweenMarkers(olderMarker, 'NEW')).toBe(out);
  });

  const runOf = (name: string, startedAt: string, cells: CellResult[], commit?: string): ResultsFile => ({
    name,
    results: { ...results, startedAt, cells, ...(commit ? { commit } : {}) },
  });
  const newer = (c: CellResult): CellResult => ({ ...c, notes: ['newer'] });

  it('takes each cell from the run that started last among those that ran it, whatever the files are called', () => {
    const oldest = runOf('2026-11-28-zz-peers.json', '2026-11-27T23:00:00.000Z', [cellA, cellB]);
    const middle = runOf('2026-11-28-peers.json', '2026-11-28T00:01:15.048Z', [newer(cellA)]);
    const latest = runOf('2026-11-28T0312-peers.json', '2026-11-28T03:12:00.000Z', [newer(cellB)]);
    const picked = newestPerCell([latest, oldest, middle]);
    // In the matrix's order: 6 partitions before 48.
    expect(picked.map((p) => [p.cell.cell.id, p.run.name, p.cell.notes])).toEqual([
      ['1n-6p-1KiB', '2026-11-28-peers.json', ['newer']],
      ['1n-48p-1KiB', '2026-11-28T0312-peers.json', ['newer']],
    ]);
    expect(newestPerCell([oldest]).map((p) => p.run.name)).toEqual(['2026-11-28-zz-peers.json', '2026-11-28-zz-peers.json']);
    expect(newestPerCell([])).toEqual([]);
  });

  it('refuses a README without both markers in order', () => {
    expect(() => replaceBetweenMarkers('no markers', 'x')).toThrow(/lacks the markers/);
    expect(() => replaceBetweenMarkers(`${END}\n${BEGIN}`, 'x')).toThrow(/in that order/);
  });

  it('has a row per cell and side with its run, ktc, the best peer, the ratio and its range, lists the runs, and ends with the ratio over all its cells', () => {
    const table = readmeTable(
      newestPerCell([runOf('a-peers.json', '2026-11-28T05:43:10.000Z', [cellA], 'abc1234'), runOf('b-peers.json', '2026-11-28T08:19:30.000Z', [cellB])]),
    );
    expect(table).toContain('| 1n-6p-1KiB | producer | 2026-11-28 05:43 | 110 | java-tuned: 100 | **1.10** (1.10–1.20) | 55 % |');
    expect(table).toContain('| 1n-48p-1KiB | consumer | 2026-11-28 08:19 | 400 | java: 100 | **4.00** (4.00–4.00) | – |');
    expect(table).toContain(
      '- 2026-11-28 08:19 UTC, `bench/results/b-peers.md`: 1n-48p-1KiB; 3 rounds per cell; test machine\n- 2026-11-28 05:43 UTC, `bench/results/a-peers.md` (ktc at abc1234): 1n-6p-1KiB;',
    );
    // The minimum over both runs' cells: the producer's from the newer run, the consumer's from the older.
    expect(table.trim().split('\n').at(-1)).toBe('Over these cells: `ratio ktc/best-peer producer=0.80 consumer=1.50`');
  });
});

describe('the results file', () => {
  it('names every left-out cell once per reason', async () => {
    const { groupLeftOut } = await import('../../../bench/suite/report.js');
    expect(groupLeftOut(['1n-6p-10KiB: time', '3n-48p-100B: time', '1n-48p-1KiB: disk', 'latency at a fixed rate: no data'])).toEqual([
      '1n-6p-10KiB, 3n-48p-100B: time',
      '1n-48p-1KiB: disk',
      'latency at a fixed rate: no data',
    ]);
  });
});
