/** From raw samples to what the report says: medians, spreads, ratios to ktc, shares of the limit, cost. */
import type { BenchResults, CellResult, Side, ToolResult } from './samples.js';
import { roundRatios, spread, type Spread } from './stats.js';
import { defined } from '../../src/defined.js';

export const KTC = 'ktc';

export interface ToolSummary {
  id: string;
  label: string;
  settings: string;
  rate: Spread;
  mbPerSec: number;
  /** ktc's rate over this tool's, round by round (undefined for ktc itself). */
  ktcRatio?: Spread;
  /** Median rate over the broker's measured ceiling for this side (its median over the rounds). */
  shareOfLimit?: number;
  /** Rate over the ceiling measured in the same round, round by round (results from before per-round replays have none). */
  shareRounds?: Spread;
  /** Consumers: median rate over the CRC-checking fetch replay's median (results since 2026-11-28). */
  shareOfChecked?: number;
  cpuSecondsPerMillion: number;
  peakRssMb: number;
}

export interface SideSummary {
  tools: ToolSummary[];
  /** The fastest tool other than ktc, by median. */
  bestPeer?: ToolSummary;
  /** ktc's median over the best peer's median. */
  ratio?: number;
  /** ktc over the best peer, round by round. */
  ratioRounds?: Spread;
}

const byRound = (t: ToolResult): Map<number, number> => new Map(t.runs.map((r) => [r.round, r.rate]));
const med = (xs: number[]): number => spread(xs).median;

export function summarizeSide(cell: CellResult, side: Side): SideSummary {
  const tools = cell[side].filter((t) => t.runs.length > 0);
  const ktc = tools.find((t) => t.id === KTC);
  const limitSide = side === 'producer' ? cell.limit?.produce : cell.limit?.fetch;
  const limit = limitSide?.rate;
  const limitRounds = new Map((limitSide?.rounds ?? []).map((r) => [r.round, r.rate]));
  const checked = side === 'consumer' ? cell.limit?.fetchChecked?.rate : undefined;
  const summaries = tools.map((t): ToolSummary => {
    const rate = spread(t.runs.map((r) => r.rate));
    const ratios = ktc && t.id !== KTC ? roundRatios(byRound(ktc), byRound(t)) : [];
    const shares = roundRatios(byRound(t), limitRounds);
    return {
      id: t.id,
      label: t.label,
      settings: t.settings,
      rate,
      mbPerSec: (rate.median * cell.cell.recordSize) / 2 ** 20,
      ...(ratios.length ? { ktcRatio: spread(ratios) } : {}),
      ...(limit ? { shareOfLimit: rate.median / limit } : {}),
      ...(shares.length ? { shareRounds: spread(shares) } : {}),
      ...(checked ? { shareOfChecked: rate.median / checked } : {}),
      cpuSecondsPerMillion: med(t.runs.map((r) => (r.cpuSeconds / r.messages) * 1e6)),
      peakRssMb: Math.max(...t.runs.map((r) => r.peakRssMb)),
    };
  });
  const peers = summaries.filter((s) => s.id !== KTC && !s.id.startsWith('ktc-'));
  const bestPeer = peers.sort((a, b) => b.rate.median - a.rate.median)[0];
  const ktcSummary = summaries.find((s) => s.id === KTC);
  if (!bestPeer || !ktcSummary) return { tools: summaries, ...(bestPeer ? { bestPeer } : {}) };
  const bestTool = defined(tools.find((t) => t.id === bestPeer.id));
  const rounds = roundRatios(byRound(defined(ktc)), byRound(bestTool));
  return {
    tools: summaries,
    bestPeer,
    ratio: ktcSummary.rate.median / bestPeer.rate.median,
    ...(rounds.length ? { ratioRounds: spread(rounds) } : {}),
  };
}

/** The figure: per side, the minimum over cells of ktc's median over the best peer's median. */
export function overallRatios(results: Pick<BenchResults, 'cells'>): { producer?: number; consumer?: number } {
  const out: { producer?: number; consumer?: number } = {};
  for (const side of ['producer', 'consumer'] as const) {
    const ratios = results.cells.map((c) => summarizeSide(c, side).ratio).filter((r): r is number => r !== undefined);
    if (ratios.length) out[side] = Math.min(...ratios);
  }
  return out;
}

export function ratioLine(results: Pick<BenchResults, 'cells'>): string {
  const r = overallRatios(results);
  const f = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(2));
  return `ratio ktc/best-peer producer=${f(r.producer)} consumer=${f(r.consumer)}`;
}
