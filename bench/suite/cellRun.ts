import { loadavg } from 'node:os';
import { createTopic, deleteTopics } from './benchCluster.js';
import { settleDisk } from './diskSettle.js';
import { messagesFor, shortfall, type Cell, type Timing } from './cells.js';
import { measure, type Measured } from './processRun.js';
import { CONSUMERS, PRODUCERS, type ConsumerPeer, type Invocation, type PeerContext, type ProducerPeer } from './peers.js';
import type { CellResult, RunSample, ToolResult } from './samples.js';
import { median } from './stats.js';
import { activeRate, steadyRate, tail, type Window } from './toolOutput.js';
import { limitSide, produceLayouts, replayRate, type ReplayMode } from './limit.js';
import { defined } from '../../src/defined.js';

export interface CellPlan {
  rounds: number;
  timing: Timing;
  clientCore: number;
  /** Largest consumer topic, bytes of record values: bounds disk use and the time to write it. */
  consumerTopicCapBytes: number;
  /** Seconds per limit replay. */
  limitSeconds: number;
  /** Bytes of record values in the short runs that size the measured ones (they are also the cell's excluded warm-up). */
  calibrationBytes: { producer: number; consumer: number };
  log: (line: string) => void;
}

const RUN_TIMEOUT_MS = 240_000;
/** Runs again after one falls short, at most. */
const MAX_RETRIES = 2;

const commandLine = (inv: Invocation): string => [inv.cmd, ...inv.args].map((a) => (/^[\w./:=,@-]+$/.test(a) ? a : `'${a}'`)).join(' ');

/** The limit's replay, as an entry of the rounds' rotation. */
const LIMIT = 'limit' as const;

/** Peers rotate one place per round: each tool runs first, last and in between, none always after the same one. */
export function rotation<T>(tools: readonly T[], round: number): T[] {
  const k = (round - 1) % tools.length;
  return [...tools.slice(k), ...tools.slice(0, k)];
}

async function run(ctx: PeerContext, plan: CellPlan, inv: Invocation): Promise<Measured> {
  const m = await measure(inv.cmd, inv.args, { core: plan.clientCore, scratchDir: ctx.scratchDir, timeoutMs: RUN_TIMEOUT_MS });
  if (m.code !== 0) throw new Error(`exit ${m.code}: ${tail(m.stderr || m.stdout)}`);
  return m;
}

function sample(m: Measured, windows: Window[], warmup: number, measureSeconds: number, round: number, position: number, messages: number): RunSample {
  const steady = steadyRate(windows, warmup, measureSeconds);
  return {
    round,
    position,
    messages,
    rate: steady.rate,
    measuredRecords: steady.records,
    measuredSeconds: steady.seconds,
    cpuSeconds: m.cpuSeconds,
    peakRssMb: m.peakRssMb,
    wallSeconds: m.wallSeconds,
    load1: defined(loadavg()[0]),
  };
}

/** Writes `messages` records into `topic` with ktc at its defaults: the consumers' shared data. */
async function writeWithKtc(ctx: PeerContext, plan: CellPlan, cell: Cell, topic: string, messages: number): Promise<Measured> {
  const inv = defined(PRODUCERS[0]).invocation(ctx, cell, topic, messages, 0);
  return run(ctx, plan, inv);
}

export async function runCell(ctx: PeerContext, cell: Cell, plan: CellPlan): Promise<CellResult> {
  const { log, timing } = plan;
  const stamp = Date.now().toString(36);
  const notes: string[] = [];
  const result: CellResult = { cell, consumerTopicMessages: 0, producer: [], consumer: [], notes };
  const producerTools = new Map<string, ToolResult>();
  const consumerTools = new Map<string, ToolResult>();
  const producerMessages = new Map<string, number>();
  const consumerMessages = new Map<string, number>();
  let topicSeq = 0;
  const freshTopic = async (): Promise<string> => {
    const topic = `bench-${cell.id}-${stamp}-${topicSeq++}`;
    await createTopic(ctx.cluster, topic, cell.partitions);
    return topic;
  };

  // Producers' calibration: short runs, excluded, that size each tool's measured runs.
  const calibrationProduce = Math.ceil(plan.calibrationBytes.producer / cell.recordSize);
  for (const peer of PRODUCERS) {
    const topic = await freshTopic();
    const inv = peer.invocation(ctx, cell, topic, calibrationProduce, 0);
    producerTools.set(peer.id, { id: peer.id, label: peer.label, settings: peer.settings(cell), command: commandLine(inv), runs: [] });
    try {
      const m = await run(ctx, plan, inv);
      const rate = peer.totalRate(m.stdout);
      producerMessages.set(peer.id, messagesFor(rate, timing, 'producer'));
      log(`${cell.id} calibration: ${peer.id} producer ~${Math.round(rate)} msgs/s`);
    } catch (err) {
      notes.push(`${peer.id} producer calibration failed: ${(err as Error).message}`);
    }
    await deleteTopics(ctx.cluster, [topic]);
  }

  // The consumers' topic, written once by one producer (ktc): first a part to calibrate on, then the rest.
  const consumerTopic = await freshTopic();
  const calibrationConsume = Math.ceil(plan.calibrationBytes.consumer / cell.recordSize);
  await writeWithKtc(ctx, plan, cell, consumerTopic, calibrationConsume);
  let written = calibrationConsume;
  for (const peer of CONSUMERS) {
    const inv = peer.invocation(ctx, cell, consumerTopic, calibrationConsume, `bench-cal-${stamp}-${peer.id}-`);
    consumerTools.set(peer.id, { id: peer.id, label: peer.label, settings: peer.settings(cell), command: commandLine(inv), runs: [] });
    try {
      const m = await run(ctx, plan, inv);
      const rate = peer.totalRate(m.stdout);
      consumerMessages.set(peer.id, messagesFor(rate, timing, 'consumer'));
      log(`${cell.id} calibration: ${peer.id} consumer ~${Math.round(rate)} msgs/s`);
    } catch (err) {
      notes.push(`${peer.id} consumer calibration failed: ${(err as Error).message}`);
    }
  }
  const cap = Math.floor(plan.consumerTopicCapBytes / cell.recordSize);
  const wanted = Math.max(0, ...consumerMessages.values());
  const total = Math.min(cap, Math.max(written, wanted));
  if (wanted > cap)
    notes.push(
      `the consumers' topic was capped at ${total} messages (${(plan.consumerTopicCapBytes / 2 ** 30).toFixed(1)} GiB): the fastest consumers read it in less than warm-up + ${timing.measureSeconds} s`,
    );
  if (total > written) {
    log(`${cell.id}: writing ${total - written} more messages into the consumers' topic`);
    await writeWithKtc(ctx, plan, cell, consumerTopic, total - written);
    written = total;
  }
  result.consumerTopicMessages = written;
  for (const [id, n] of consumerMessages) consumerMessages.set(id, Math.min(n, written));

  // The limit is replayed in every round, taking its turn in the rotation, so each round's shares pair with what the broker did then.
  const limitRounds: Record<ReplayMode, { round: number; rate: number }[]> = { produce: [], fetch: [], fetchChecked: [] };
  // Before every measured run: what earlier runs wrote is off the disk's queue (bench/suite/diskSettle.ts).
  const settle = async (): Promise<void> => {
    const { flushedBytes, seconds } = await settleDisk(ctx.cluster.state.dir, ctx.cluster.nodes);
    if (seconds >= 1) log(`${cell.id}: disk settled in ${seconds.toFixed(1)} s (${Math.round(flushedBytes / 2 ** 20)} MiB written back)`);
  };

  const replay = async (mode: ReplayMode, round: number): Promise<void> => {
    try {
      let rate = 0;
      if (mode === 'produce') {
        for (const records of produceLayouts(cell)) {
          const topic = await freshTopic();
          await settle();
          const layoutRate = await replayRate(ctx, plan, cell, mode, topic, records);
          await deleteTopics(ctx.cluster, [topic]);
          log(`${cell.id} round ${round}: limit produce, ${records} records per batch: ${Math.round(layoutRate)} msgs/s`);
          rate = Math.max(rate, layoutRate);
        }
      } else {
        await settle();
        rate = await replayRate(ctx, plan, cell, mode, consumerTopic);
      }
      limitRounds[mode].push({ round, rate });
      log(`${cell.id} round ${round}: limit ${mode} ${Math.round(rate)} msgs/s`);
    } catch (err) {
      notes.push(`round ${round}: the ${mode} limit could not be measured: ${(err as Error).message}`);
    }
  };

  for (let round = 1; round <= plan.rounds; round++) {
    for (const [position, peer] of rotation([...PRODUCERS, LIMIT], round).entries()) {
      if (peer === LIMIT) {
        await replay('produce', round);
        continue;
      }
      const messages = producerMessages.get(peer.id);
      if (messages === undefined) continue;
      // A run again after a short one starts as the first did: into a fresh topic, the short run's topic gone and the disk settled.
      let topic: string | undefined;
      const attempt = async (n: number): Promise<Invocation> => {
        if (topic !== undefined) await deleteTopics(ctx.cluster, [topic]);
        topic = await freshTopic();
        await settle();
        return peer.invocation(ctx, cell, topic, n, 0);
      };
      await measureRun(peer, defined(producerTools.get(peer.id)), attempt, timing.warmupSeconds.producer, round, position, messages, 'producer');
      if (topic !== undefined) await deleteTopics(ctx.cluster, [topic]);
    }
    for (const [position, peer] of rotation([...CONSUMERS, LIMIT], round).entries()) {
      if (peer === LIMIT) {
        await replay('fetch', round);
        await replay('fetchChecked', round);
        continue;
      }
      const messages = consumerMessages.get(peer.id);
      if (messages === undefined) continue;
      const group = `bench-${stamp}-${round}-${peer.id}-`;
      const attempt = async (n: number): Promise<Invocation> => {
        await settle();
        return peer.invocation(ctx, cell, consumerTopic, n, `${group}${n}-`);
      };
      await measureRun(peer, defined(consumerTools.get(peer.id)), attempt, timing.warmupSeconds.consumer, round, position, messages, 'consumer');
    }
    // Later rounds are sized from what earlier ones measured (the calibration runs were short and cold).
    resize(producerTools, producerMessages, timing, 'producer', Infinity);
    resize(consumerTools, consumerMessages, timing, 'consumer', written);
  }

  const produce = limitSide(cell, 'produce', limitRounds.produce);
  const fetch = limitSide(cell, 'fetch', limitRounds.fetch);
  const fetchChecked = limitSide(cell, 'fetchChecked', limitRounds.fetchChecked);
  if (produce && fetch) result.limit = { produce, fetch, ...(fetchChecked ? { fetchChecked } : {}) };
  await deleteTopics(ctx.cluster, [consumerTopic]);
  result.producer = [...producerTools.values()];
  result.consumer = [...consumerTools.values()];
  return result;

  async function measureRun(
    peer: ProducerPeer | ConsumerPeer,
    tool: ToolResult,
    /** Readies one attempt of `messages` (a fresh topic, the disk settled): every attempt starts as the first. */
    attempt: (messages: number) => Promise<Invocation>,
    warmup: number,
    round: number,
    position: number,
    messages: number,
    side: 'producer' | 'consumer',
  ): Promise<void> {
    try {
      let size = messages;
      let inv = await attempt(size);
      tool.command = commandLine(inv);
      let m = await run(ctx, plan, inv);
      let s: RunSample | undefined;
      // Sized from a cold calibration or slower earlier rounds, a run can fall short: it runs again, sized from its
      // own rate, at most twice (a JVM's first windows are slow, so one estimate from them can fall short again).
      for (let retry = 0; ; retry++) {
        let short: string | undefined;
        try {
          s = sample(m, peer.windows(m.stdout), warmup, timing.measureSeconds, round, position, size);
          short = shortfall(s, timing.measureSeconds);
        } catch (err) {
          if (!/too short/.test((err as Error).message) || retry === MAX_RETRIES) throw err;
          s = undefined;
          short = 'it ended within the warm-up';
        }
        if (short === undefined || retry === MAX_RETRIES) break;
        // The whole run's rate counts its start-up, which a short run is mostly made of: its windows say more.
        const rate = Math.max(peer.totalRate(m.stdout), activeRate(peer.windows(m.stdout)));
        // A run with no measured window doubles at least, so the next cannot fall short the same way.
        const floor = s ? Math.ceil(size * 1.25) : size * 2;
        const resized = Math.min(side === 'consumer' ? written : Infinity, Math.max(floor, messagesFor(rate, timing, side)));
        if (resized <= size) {
          if (s) break; // the consumers' topic holds no more: the run counts as it is
          throw new Error(`the run was too short (${short}) and the consumers' topic holds no more messages`);
        }
        (side === 'producer' ? producerMessages : consumerMessages).set(peer.id, resized);
        log(`${cell.id} round ${round}: ${peer.id} ${side} too short at ${size} messages (${short}), again with ${resized}`);
        size = resized;
        inv = await attempt(size);
        tool.command = commandLine(inv);
        m = await run(ctx, plan, inv);
      }
      const counted = defined(s);
      tool.runs.push(counted);
      log(
        `${cell.id} round ${round}: ${peer.id} ${side} ${Math.round(counted.rate)} msgs/s (${counted.measuredSeconds.toFixed(1)} s measured, load ${counted.load1.toFixed(1)})`,
      );
    } catch (err) {
      notes.push(`round ${round}: ${peer.id} ${side} failed: ${(err as Error).message}`);
      log(`${cell.id} round ${round}: ${peer.id} ${side} FAILED: ${(err as Error).message}`);
    }
  }
}

function resize(tools: Map<string, ToolResult>, messages: Map<string, number>, timing: Timing, side: 'producer' | 'consumer', cap: number): void {
  for (const [id, tool] of tools) {
    if (!tool.runs.length || !messages.has(id)) continue;
    messages.set(id, Math.min(cap, messagesFor(median(tool.runs.map((r) => r.rate)), timing, side)));
  }
}
