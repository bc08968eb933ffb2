/**
 * ktc against the best peers, tuned, on one local cluster: `npm run bench [-- flags]`
 * (flags: bench/suite/args.ts). Writes bench/results/<date>T<hhmm>-peers.md and .json;
 * `npm run bench:readme` then regenerates the README's table from the latest.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ratioLine } from './suite/analysis.js';
import { parseArgs, type BenchOptions } from './suite/args.js';
import { startCluster } from './suite/benchCluster.js';
import { fullMatrix, type Cell } from './suite/cells.js';
import { runCell, type CellPlan } from './suite/cellRun.js';
import { memoryCheck, runLatency } from './suite/latency.js';
import { ensurePeerRuntime, PLATFORMATIC_VERSION } from './suite/peerInstall.js';
import type { PeerContext } from './suite/peers.js';
import { checkTools, killRunning } from './suite/processRun.js';
import { renderReport } from './suite/report.js';
import type { BenchResults } from './suite/samples.js';
import { defaultCacheDir, DEFAULT_KAFKA_VERSION } from '../src/local/layout.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const benchDir = join(root, '.ktc', 'bench');
const ADDRESS = '127.0.3.1';
const BROKER_CORES = '0';
const CLIENT_CORE = 1;
const log = (line: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function machine(): string {
  // java -version writes to stderr.
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const javaVersion = /version "([^"]+)"/.exec(`${java.stderr}${java.stdout}`)?.[1] ?? 'unknown';
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  return `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}, Java ${javaVersion}; shared with other sessions (load average ${load} at the start); brokers pinned to core ${BROKER_CORES}, clients to core ${CLIENT_CORE}`;
}

/** The commit the run measured, with "+ uncommitted changes" when tracked files differed from it; undefined outside a git checkout. */
function commit(): string | undefined {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const changed = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${changed ? ' + uncommitted changes' : ''}`;
}

/**
 * Written after every cell, so a run stopped part way leaves a file that
 * names the cells it did not reach as left out, not one that looks whole.
 */
function save(results: BenchResults, planned: readonly Cell[], base: string): void {
  const notReached = planned.filter((c) => !results.cells.some((r) => r.cell.id === c.id)).map((c) => `${c.id}: not reached, the run ended before it`);
  const written = { ...results, leftOut: [...results.leftOut, ...notReached] };
  writeFileSync(`${base}.json`, `${JSON.stringify(written, null, 1)}\n`);
  writeFileSync(`${base}.md`, renderReport(written));
}

async function main(opts: BenchOptions): Promise<void> {
  checkTools();
  mkdirSync(benchDir, { recursive: true });
  const runtime = ensurePeerRuntime(join(defaultCacheDir(), 'bench'), log);
  const started = new Date();
  // Named by the minute it started (UTC), so a second run on one day keeps the first.
  const base = join(root, 'bench', 'results', `${started.toISOString().slice(0, 16).replace(':', '')}-peers`);
  const code = commit();
  const results: BenchResults = {
    startedAt: started.toISOString(),
    endedAt: '',
    machine: machine(),
    ...(code ? { commit: code } : {}),
    versions: {
      'Apache Kafka': process.env.KTC_BENCH_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION,
      '@platformatic/kafka': `${PLATFORMATIC_VERSION} (Node ${runtime.nodeVersion})`,
      kafkajs: '2.2.4',
    },
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    timing: { rounds: opts.rounds, warmupSeconds: opts.warmupSeconds, measureSeconds: opts.measureSeconds, measureCapped: true },
    cells: [],
    memory: [],
    leftOut: fullMatrix()
      .filter((c) => !opts.cells.some((x) => x.id === c.id))
      .map((c) => `${c.id}: ${opts.leftOutReason}`),
  };
  const plan: CellPlan = {
    rounds: opts.rounds,
    timing: { warmupSeconds: opts.warmupSeconds, measureSeconds: opts.measureSeconds },
    clientCore: CLIENT_CORE,
    consumerTopicCapBytes: opts.consumerTopicCapGiB * 2 ** 30,
    limitSeconds: opts.limitSeconds,
    calibrationBytes: { producer: opts.calibrationMiB.producer * 2 ** 20, consumer: opts.calibrationMiB.consumer * 2 ** 20 },
    log,
  };
  for (const nodes of [1, 3] as const) {
    const cells = opts.cells.filter((c) => c.nodes === nodes);
    if (cells.length === 0) continue;
    const cluster = await startCluster(join(benchDir, `cluster-${nodes}n`), nodes, ADDRESS, BROKER_CORES, log);
    // Ctrl+C or a kill: end the running client and stop this cluster (only the processes the bench started).
    const onSignal = (): void => {
      killRunning();
      void cluster.stop().finally(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const ctx: PeerContext = {
      cluster,
      libsDir: cluster.state.libsDir,
      ktcBin: join(root, 'bin', 'ktc.js'),
      runtime,
      platformaticScript: join(root, 'dist', 'bench', 'suite', 'platformaticPerf.js'),
      scratchDir: benchDir,
    };
    try {
      for (const cell of cells) {
        const t0 = Date.now();
        results.cells.push(await runCell(ctx, cell, plan));
        log(`${cell.id} took ${((Date.now() - t0) / 60_000).toFixed(1)} min`);
        save({ ...results, endedAt: new Date().toISOString() }, opts.cells, base);
      }
      const latencySource = results.cells.find((c) => c.cell.id === opts.latencyCell && c.cell.nodes === nodes);
      if (latencySource) {
        try {
          results.latency = await runLatency(ctx, plan, latencySource, opts.latencyRounds, opts.latencySeconds);
        } catch (err) {
          results.leftOut.push(`latency at a fixed rate: ${(err as Error).message}`);
        }
      }
      const memoryCell = cells.find((c) => c.recordSize === 1024 && c.nodes === 1);
      if (opts.memoryMessages > 0 && memoryCell) results.memory = await memoryCheck(ctx, plan, memoryCell, opts.memoryMessages);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await cluster.stop();
    }
    save({ ...results, endedAt: new Date().toISOString() }, opts.cells, base);
  }
  results.endedAt = new Date().toISOString();
  save(results, opts.cells, base);
  process.stdout.write(`results: ${base}.md\n${ratioLine(results)}\n`);
}

main(parseArgs(process.argv.slice(2))).catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
