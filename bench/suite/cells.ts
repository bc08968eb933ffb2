/** The matrix: what each cell is, and how long its runs are. */

export interface Cell {
  id: string;
  nodes: 1 | 3;
  partitions: number;
  recordSize: number;
}

export const RECORD_SIZES = [100, 1024, 10 * 1024] as const;
export const PARTITION_COUNTS = [6, 48] as const;

export function cellId(nodes: number, partitions: number, recordSize: number): string {
  const size = recordSize >= 1024 ? `${recordSize / 1024}KiB` : `${recordSize}B`;
  return `${nodes}n-${partitions}p-${size}`;
}

/** Every cell the issue asks for: 3 record sizes × 6 and 48 partitions, on 1 node and on 3 nodes (RF 3, acks=all). */
export function fullMatrix(): Cell[] {
  const cells: Cell[] = [];
  for (const nodes of [1, 3] as const) {
    for (const partitions of PARTITION_COUNTS) {
      for (const recordSize of RECORD_SIZES) cells.push({ id: cellId(nodes, partitions, recordSize), nodes, partitions, recordSize });
    }
  }
  return cells;
}

/** Parses "1n-6p-100B,3n-6p-1KiB": the cells a run is limited to. */
export function parseCells(text: string): Cell[] {
  const all = new Map(fullMatrix().map((c) => [c.id, c]));
  return text.split(',').map((id) => {
    const cell = all.get(id.trim());
    if (!cell) throw new Error(`unknown cell ${id} (cells look like ${[...all.keys()].slice(0, 3).join(', ')}...)`);
    return cell;
  });
}

export interface Timing {
  /** Leading seconds of every run left out (JIT, connections, group join). */
  warmupSeconds: { producer: number; consumer: number };
  /** Seconds measured after the warm-up. */
  measureSeconds: number;
}

/**
 * Messages for one run of a tool: long enough for warm-up + measured
 * seconds at the rate its calibration run (or its earlier rounds) showed,
 * with half again as margin. A run that falls short runs again, which costs
 * more than a longer run (only the measured seconds count): the tools print
 * no last partial window, a JVM's warm-up is slower than its steady rate,
 * and a producer's first seconds at 10 KiB records went ~1.8x faster than
 * its measured ones while the broker's page cache took them.
 */
export function messagesFor(rate: number, timing: Timing, side: 'producer' | 'consumer'): number {
  return Math.ceil(rate * (timing.warmupSeconds[side] + timing.measureSeconds) * 1.5);
}

/** The bar for a run that counts: ≥ 10 s measured or ≥ 5 M messages, with a fifth of the seconds as slack for noise. */
export const LONG_ENOUGH = { shareOfSeconds: 0.8, records: 5_000_000 };

/** Why a measured run is too short to count, or undefined when it is long enough. */
export function shortfall(s: { measuredSeconds: number; measuredRecords: number }, measureSeconds: number): string | undefined {
  if (s.measuredSeconds >= measureSeconds * LONG_ENOUGH.shareOfSeconds || s.measuredRecords >= LONG_ENOUGH.records) return undefined;
  return `${s.measuredSeconds.toFixed(1)} s and ${s.measuredRecords} messages measured`;
}
