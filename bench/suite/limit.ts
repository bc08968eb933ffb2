import { join } from 'node:path';
import type { Cell } from './cells.js';
import type { CellPlan } from './cellRun.js';
import type { LimitSettings } from './limitRequests.js';
import { measure } from './processRun.js';
import { KTC_FETCH, type PeerContext } from './peers.js';
import type { LimitResult } from './samples.js';
import { jsonWindows, steadyRate, tail } from './toolOutput.js';

/** Replayed produce batches: 64 KiB per partition, at most 1 MiB per request (the broker's default message.max.bytes). */
export function limitBatchRecords(cell: Cell): number {
  const partitionsPerLeader = Math.ceil(cell.partitions / cell.nodes);
  return Math.max(1, Math.floor(Math.min(64 * 1024, (1024 * 1024) / partitionsPerLeader) / cell.recordSize));
}

const IN_FLIGHT = { produce: 5, fetch: 2 } as const;

/** The broker's ceiling for a cell, producing into `produceTopic` and fetching the consumers' topic. */
export async function measureLimit(ctx: PeerContext, plan: CellPlan, cell: Cell, produceTopic: string, fetchTopic: string): Promise<LimitResult> {
  const script = join(ctx.platformaticScript, '..', 'limitRunner.js');
  const rate = async (mode: 'produce' | 'fetch'): Promise<number> => {
    const settings: LimitSettings = {
      mode,
      connection: ctx.cluster.connection,
      topic: mode === 'produce' ? produceTopic : fetchTopic,
      partitions: cell.partitions,
      recordSize: cell.recordSize,
      recordsPerBatch: limitBatchRecords(cell),
      idempotent: true,
      inFlight: IN_FLIGHT[mode],
      seconds: plan.timing.warmupSeconds.producer + plan.limitSeconds,
      partitionMaxBytes: KTC_FETCH.partitionMaxBytes,
      maxBytes: KTC_FETCH.maxBytes,
    };
    const m = await measure(process.execPath, [script, JSON.stringify(settings)], { core: plan.clientCore, scratchDir: ctx.scratchDir, timeoutMs: 120_000 });
    if (m.code !== 0) throw new Error(`limit ${mode} replay failed: ${tail(m.stderr || m.stdout)}`);
    const r = steadyRate(jsonWindows(m.stdout), plan.timing.warmupSeconds.producer).rate;
    plan.log(`${cell.id} limit: ${mode} ${Math.round(r)} msgs/s`);
    return r;
  };
  const records = limitBatchRecords(cell);
  return {
    produce: {
      rate: await rate('produce'),
      settings: `pre-encoded, ${records} records per partition batch, every partition of a leader per request, acks=all, ${IN_FLIGHT.produce} in flight per broker, idempotent (sequences stamped per send)`,
    },
    fetch: {
      rate: await rate('fetch'),
      settings: `same Fetch replayed from offset 0, ${KTC_FETCH.partitionMaxBytes / 2 ** 20} MiB per partition, ${KTC_FETCH.maxBytes / 2 ** 20} MiB per request, ${IN_FLIGHT.fetch} in flight per broker, records counted from batch headers`,
    },
  };
}
