/** What the benchmark records: one sample per run, grouped per cell, side and tool. Also the JSON results' shape. */
import type { Cell } from './cells.js';
import type { LatencyFigures } from './peers.js';

export type Side = 'producer' | 'consumer';

export interface RunSample {
  round: number;
  /** Position of the tool in this round's order (0 = first). */
  position: number;
  messages: number;
  /** Steady records/s after the warm-up. */
  rate: number;
  measuredRecords: number;
  measuredSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  wallSeconds: number;
  /** 1-minute load average when the run ended: other sessions share this machine. */
  load1: number;
}

export interface ToolResult {
  id: string;
  label: string;
  settings: string;
  command: string;
  runs: RunSample[];
}

/** The broker's ceiling for one side: the replay's median rate, and (since 2026-11-27 evening) its rate in each round. */
export interface LimitSide {
  rate: number;
  settings: string;
  /** One replay per round, run in the same rounds as the tools, so a tool's share pairs with what the broker did then. */
  rounds?: { round: number; rate: number }[];
}

export interface LimitResult {
  produce: LimitSide;
  fetch: LimitSide;
  /** The fetch replay checking every batch's CRC-32C: the ceiling of a consumer that verifies what it reads (results since 2026-11-28). */
  fetchChecked?: LimitSide;
}

export interface CellResult {
  cell: Cell;
  /** The consumers' shared topic: messages, written once by ktc at its defaults. */
  consumerTopicMessages: number;
  producer: ToolResult[];
  consumer: ToolResult[];
  limit?: LimitResult;
  notes: string[];
}

export interface LatencyRun {
  round: number;
  tool: string;
  label: string;
  settings: string;
  figures: LatencyFigures;
  messages: number;
  cpuSeconds: number;
  peakRssMb: number;
}

export interface LatencyResult {
  cell: Cell;
  rate: number;
  seconds: number;
  why: string;
  runs: LatencyRun[];
}

export interface MemoryCheck {
  what: string;
  messages: number;
  recordSize: number;
  peakRssMb: number;
  cpuSeconds: number;
  rate: number;
}

export interface BenchResults {
  startedAt: string;
  endedAt: string;
  machine: string;
  /** ktc's git commit the run measured (results since 2026-11-28 08:30). */
  commit?: string;
  versions: Record<string, string>;
  command: string;
  timing: {
    rounds: number;
    warmupSeconds: { producer: number; consumer: number };
    measureSeconds: number;
    /** Each run measured over measureSeconds after its warm-up, later windows left out, and a run again after a short one started on a settled disk (results since 2026-11-28 15:33; before, a run's every window after the warm-up counted, and a run again started with the short run's writes still dirty). */
    measureCapped?: boolean;
  };
  cells: CellResult[];
  latency?: LatencyResult;
  memory: MemoryCheck[];
  leftOut: string[];
}
