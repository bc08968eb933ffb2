import { createTopic, deleteTopics } from './benchCluster.js';
import type { Cell } from './cells.js';
import type { CellPlan } from './cellRun.js';
import { rotation } from './cellRun.js';
import { measure } from './processRun.js';
import { PRODUCERS, type PeerContext } from './peers.js';
import type { CellResult, LatencyResult, MemoryCheck } from './samples.js';
import { median } from './stats.js';
import { ktcConsumerWindows, producerSummary, steadyRate, tail } from './toolOutput.js';
import { defined } from '../../src/defined.js';

/** Half of the slowest producer's median maximum in that cell: every tool can hold it, none is saturated. */
export function fixedRate(cell: CellResult): { rate: number; slowest: string } {
  const medians = cell.producer.filter((t) => t.runs.length).map((t) => ({ id: t.label, rate: median(t.runs.map((r) => r.rate)) }));
  const slowest = medians.sort((a, b) => a.rate - b.rate)[0];
  if (!slowest) throw new Error(`no producer throughput measured in ${cell.cell.id} to derive the fixed rate from`);
  return { rate: Math.max(1, Math.floor(slowest.rate / 2 / 100) * 100), slowest: slowest.id };
}

export async function runLatency(ctx: PeerContext, plan: CellPlan, source: CellResult, rounds: number, seconds: number): Promise<LatencyResult> {
  const cell = source.cell;
  const { rate, slowest } = fixedRate(source);
  const messages = rate * seconds;
  const result: LatencyResult = {
    cell,
    rate,
    seconds,
    why: `The rate is half of the slowest producer's median maximum in this cell (${slowest}), so no tool runs saturated.`,
    runs: [],
  };
  for (let round = 1; round <= rounds; round++) {
    for (const peer of rotation(PRODUCERS, round)) {
      const topic = `bench-latency-${Date.now().toString(36)}`;
      await createTopic(ctx.cluster, topic, cell.partitions);
      const inv = peer.invocation(ctx, cell, topic, messages, rate);
      try {
        const m = await measure(inv.cmd, inv.args, { core: plan.clientCore, scratchDir: ctx.scratchDir, timeoutMs: (seconds + 120) * 1000 });
        if (m.code !== 0) throw new Error(`exit ${m.code}: ${tail(m.stderr || m.stdout)}`);
        const figures = peer.latency(m.stdout);
        result.runs.push({
          round,
          tool: peer.id,
          label: peer.label,
          settings: peer.settings(cell),
          figures,
          messages,
          cpuSeconds: m.cpuSeconds,
          peakRssMb: m.peakRssMb,
        });
        plan.log(`latency round ${round}: ${peer.id} p50 ${figures.p50} p99 ${figures.p99} p99.9 ${figures.p999} ms`);
      } catch (err) {
        plan.log(`latency round ${round}: ${peer.id} FAILED: ${(err as Error).message}`);
      }
      await deleteTopics(ctx.cluster, [topic]);
    }
  }
  return result;
}

/** The memory bar: ktc producing, then consuming, 10 M messages of 1 KiB at its defaults. */
export async function memoryCheck(ctx: PeerContext, plan: CellPlan, cell: Cell, messages: number): Promise<MemoryCheck[]> {
  const topic = `bench-memory-${Date.now().toString(36)}`;
  await createTopic(ctx.cluster, topic, cell.partitions);
  const out: MemoryCheck[] = [];
  try {
    const ktc = defined(PRODUCERS.find((p) => p.id === 'ktc'));
    const inv = ktc.invocation(ctx, cell, topic, messages, 0);
    const p = await measure(inv.cmd, inv.args, { core: plan.clientCore, scratchDir: ctx.scratchDir, timeoutMs: 900_000 });
    if (p.code !== 0) throw new Error(`ktc producer: ${tail(p.stderr)}`);
    out.push({
      what: 'ktc --producer (defaults)',
      messages,
      recordSize: cell.recordSize,
      peakRssMb: p.peakRssMb,
      cpuSeconds: p.cpuSeconds,
      rate: producerSummary(p.stdout).recordsPerSec,
    });
    plan.log(`memory: ktc producer ${messages} x ${cell.recordSize} B: peak RSS ${p.peakRssMb.toFixed(0)} MB`);
    const c = await measure(
      process.execPath,
      [
        ctx.ktcBin,
        '--credentials',
        ctx.cluster.credentialsFile,
        '-t',
        topic,
        '--consumer',
        '-n',
        String(messages),
        '-c',
        `bench-memory-`,
        '--format',
        'kafka',
        '--progress-interval',
        '1s',
      ],
      {
        core: plan.clientCore,
        scratchDir: ctx.scratchDir,
        timeoutMs: 900_000,
      },
    );
    if (c.code !== 0) throw new Error(`ktc consumer: ${tail(c.stderr)}`);
    out.push({
      what: 'ktc --consumer (defaults)',
      messages,
      recordSize: cell.recordSize,
      peakRssMb: c.peakRssMb,
      cpuSeconds: c.cpuSeconds,
      rate: steadyRate(ktcConsumerWindows(c.stdout, 1), 0).rate,
    });
    plan.log(`memory: ktc consumer: peak RSS ${c.peakRssMb.toFixed(0)} MB`);
  } finally {
    await deleteTopics(ctx.cluster, [topic]);
  }
  return out;
}
