import { join } from 'node:path';
import type { Cell } from './cells.js';
import type { CellPlan } from './cellRun.js';
import type { LimitSettings } from './limitRequests.js';
import { measure } from './processRun.js';
import { KTC_FETCH, ktcLayout, type PeerContext } from './peers.js';
import type { LimitSide } from './samples.js';
import { median } from './stats.js';
import { jsonWindows, steadyRate, tail } from './toolOutput.js';

/** Replayed produce batches: 64 KiB per partition, at most 1 MiB per request (the broker's default message.max.bytes). */
export function limitBatchRecords(cell: Cell): number {
  const partitionsPerLeader = Math.ceil(cell.partitions / cell.nodes);
  return Math.max(1, Math.floor(Math.min(64 * 1024, (1024 * 1024) / partitionsPerLeader) / cell.recordSize));
}

/**
 * The produce replay's layouts, records per partition batch: 64 KiB batches,
 * and ktc's own at its defaults (larger at 1 KiB records, where one round of
 * ktc beat the 64 KiB replay by a third). Each round's limit is the higher.
 */
export function produceLayouts(cell: Cell): number[] {
  return [...new Set([limitBatchRecords(cell), ktcLayout(cell).perPartitionBatch])];
}

const IN_FLIGHT = { produce: 5, fetch: 2, fetchChecked: 2 } as const;

/**
 * fetchChecked: the fetch replay checking every batch's CRC-32C as well,
 * which every consumer at Java's default (check.crcs=true) does: the
 * ceiling of a consumer that verifies what it reads.
 */
export type ReplayMode = 'produce' | 'fetch' | 'fetchChecked';

/** What the limit row says of how it was measured. */
export function limitSettings(cell: Cell, mode: ReplayMode): string {
  if (mode === 'produce') {
    return `pre-encoded, the higher per round of ${produceLayouts(cell).join(' and ')} records per partition batch, every partition of a leader per request, acks=all, ${IN_FLIGHT.produce} in flight per broker, idempotent (sequences stamped per send)`;
  }
  const fetch = `the topic read through from its start, ${KTC_FETCH.partitionMaxBytes / 2 ** 20} MiB per partition, ${KTC_FETCH.maxBytes / 2 ** 20} MiB per request, ${IN_FLIGHT[mode]} fetch loops per broker (each over its share of the partitions, the next fetch sent once the last one's batch headers are read), records counted from batch headers`;
  return mode === 'fetch' ? fetch : `${fetch}, each batch's CRC-32C checked (native, as ktc's consumer checks it)`;
}

/**
 * One replay of the broker's ceiling for a cell: producing into a fresh
 * `topic` in batches of `recordsPerBatch` (one of produceLayouts), or
 * fetching the consumers' topic.
 */
export async function replayRate(
  ctx: PeerContext,
  plan: CellPlan,
  cell: Cell,
  mode: ReplayMode,
  topic: string,
  recordsPerBatch = limitBatchRecords(cell),
): Promise<number> {
  const script = join(ctx.platformaticScript, '..', 'limitRunner.js');
  const settings: LimitSettings = {
    mode: mode === 'produce' ? 'produce' : 'fetch',
    checkCrcs: mode === 'fetchChecked',
    connection: ctx.cluster.connection,
    topic,
    partitions: cell.partitions,
    recordSize: cell.recordSize,
    recordsPerBatch,
    idempotent: true,
    inFlight: IN_FLIGHT[mode],
    seconds: plan.timing.warmupSeconds.producer + plan.limitSeconds,
    partitionMaxBytes: KTC_FETCH.partitionMaxBytes,
    maxBytes: KTC_FETCH.maxBytes,
  };
  const m = await measure(process.execPath, [script, JSON.stringify(settings)], { core: plan.clientCore, scratchDir: ctx.scratchDir, timeoutMs: 120_000 });
  if (m.code !== 0) throw new Error(`limit ${mode} replay failed: ${tail(m.stderr || m.stdout)}`);
  return steadyRate(jsonWindows(m.stdout), plan.timing.warmupSeconds.producer, plan.limitSeconds).rate;
}

/** The limit of one side from its per-round replays (undefined when none succeeded). */
export function limitSide(cell: Cell, mode: ReplayMode, rounds: { round: number; rate: number }[]): LimitSide | undefined {
  if (rounds.length === 0) return undefined;
  return { rate: median(rounds.map((r) => r.rate)), settings: limitSettings(cell, mode), rounds };
}
