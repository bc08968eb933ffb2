/**
 * ktc vs Apache Kafka's own perf tools, side by side on one local cluster.
 *
 *   npm run bench [-- --rounds 3 --records-100 1000000 --records-1k 200000]
 *
 * Brings up a 1-node `ktc local` cluster (SASL_PLAINTEXT, SCRAM-SHA-512) on
 * 127.0.3.1, then for 100 B and 1 KiB records alternates, round by round:
 * ktc's producer and Java's ProducerPerformance (acks=all, same count and
 * size, a fresh 6-partition topic each), then ktc's consumer and Java's
 * ConsumerPerformance reading those topics back. Client CPU seconds and peak
 * RSS come from GNU time. Prints a table of medians and, last, the line
 * `ratio ktc/java producer=<x> consumer=<y>` (medians, msgs/s). Writes the
 * same report to bench/results/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { createKafka } from '../src/engine/kafkajsClient.js';
import { adminConnection, up } from '../src/local/cluster.js';
import { readPasswords } from '../src/local/clusterState.js';
import { renderCredentials } from '../src/local/credentials.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_TOPIC, defaultCacheDir, endpoints } from '../src/local/layout.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const benchDir = join(root, '.ktc', 'bench');
const ktcBin = join(root, 'bin', 'ktc.js');

interface Options {
  rounds: number;
  records: Record<number, number>;
  /** Passed to ktc only when given: by default ktc picks its own (one per core for big runs). */
  workers?: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { rounds: 3, records: { 100: 1_000_000, 1024: 200_000 } };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], Number(argv[i + 1])];
    if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a positive integer`);
    if (flag === '--rounds') opts.rounds = value;
    else if (flag === '--records-100') opts.records[100] = value;
    else if (flag === '--records-1k') opts.records[1024] = value;
    else if (flag === '--workers') opts.workers = value;
    else throw new Error(`unknown flag ${flag} (use --rounds, --records-100, --records-1k, --workers)`);
  }
  return opts;
}

interface Measured {
  stdout: string;
  stderr: string;
  code: number;
  cpuSeconds: number;
  peakRssMb: number;
}

/** Runs a client under GNU time: its own CPU and peak RSS, not the broker's. */
function measure(cmd: string, args: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const timeFile = join(benchDir, 'time.txt');
    const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%U %S %M', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', async (code) => {
      const { readFileSync } = await import('node:fs');
      const [user, sys, rssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      resolve({ stdout, stderr, code: code ?? 1, cpuSeconds: user! + sys!, peakRssMb: rssKb! / 1024 });
    });
  });
}

interface Sample {
  tool: 'ktc' | 'java';
  side: 'producer' | 'consumer';
  size: number;
  round: number;
  msgsPerSec: number;
  mbPerSec: number;
  p50Ms?: number;
  p99Ms?: number;
  cpuSeconds: number;
  peakRssMb: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync('/usr/bin/time')) throw new Error('GNU time is needed to measure client CPU and RSS: apt-get install time');
  mkdirSync(benchDir, { recursive: true });
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const { state } = await up({
    dir: join(benchDir, 'cluster'),
    nodes: 1,
    firstAddress: '127.0.3.1',
    kafkaVersion: process.env.KTC_BENCH_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION,
    topic: DEFAULT_TOPIC,
    cacheDir: defaultCacheDir(),
    progress: log,
  });
  const passwords = readPasswords(state.dir);
  const creds = join(benchDir, 'admin.yaml');
  writeFileSync(creds, renderCredentials(state, passwords, 'admin'), { mode: 0o600 });
  const javaConfig = join(benchDir, 'client.properties');
  writeFileSync(
    javaConfig,
    [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${passwords.admin}";`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const bootstrap = endpoints(state, 'SASL_PLAINTEXT');
  const admin = createKafka(adminConnection(state, passwords)).admin();
  await admin.connect();
  const java = (main: string, args: string[]) => measure('java', ['-Xmx1g', '-cp', `${state.libsDir}/*`, main, ...args]);
  const samples: Sample[] = [];
  const stamp = Date.now().toString(36);

  for (let round = 1; round <= opts.rounds; round++) {
    for (const size of [100, 1024]) {
      const n = opts.records[size]!;
      const topics = { ktc: `bench-ktc-${size}-${stamp}-${round}`, java: `bench-java-${size}-${stamp}-${round}` };
      await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 6, replicationFactor: 1 })), waitForLeaders: true });
      // Alternate which tool goes first so neither always meets a warmer broker.
      const order: Array<'ktc' | 'java'> = round % 2 ? ['ktc', 'java'] : ['java', 'ktc'];
      for (const tool of order) {
        log(`round ${round}, ${size} B: ${tool} producer, ${n} records`);
        if (tool === 'ktc') {
          const m = await measure(process.execPath, [ktcBin, '--credentials', creds, '-t', topics.ktc, '--producer', '-n', String(n), '--record-size', String(size), '--acks', 'all', ...(opts.workers ? ['--workers', String(opts.workers)] : []), '--json']);
          if (m.code !== 0) throw new Error(`ktc producer failed: ${m.stderr}`);
          const r = JSON.parse(m.stdout) as { producer: { messagesPerSecond: number; mbPerSecond: number; serviceTime: { percentiles: Record<string, number> } } };
          samples.push({ tool, side: 'producer', size, round, msgsPerSec: r.producer.messagesPerSecond, mbPerSec: r.producer.mbPerSecond, p50Ms: r.producer.serviceTime.percentiles.p50! / 1000, p99Ms: r.producer.serviceTime.percentiles.p99! / 1000, cpuSeconds: m.cpuSeconds, peakRssMb: m.peakRssMb });
        } else {
          const m = await java('org.apache.kafka.tools.ProducerPerformance', ['--topic', topics.java, '--num-records', String(n), '--record-size', String(size), '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all', '--producer.config', javaConfig]);
          const last = m.stdout.trim().split('\n').at(-1) ?? '';
          const f = /([\d.]+) records\/sec \(([\d.]+) MB\/sec\).* (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(last);
          if (m.code !== 0 || !f) throw new Error(`ProducerPerformance failed: ${m.stderr || last}`);
          samples.push({ tool, side: 'producer', size, round, msgsPerSec: Number(f[1]), mbPerSec: Number(f[2]), p50Ms: Number(f[3]), p99Ms: Number(f[4]), cpuSeconds: m.cpuSeconds, peakRssMb: m.peakRssMb });
        }
      }
      for (const tool of order) {
        log(`round ${round}, ${size} B: ${tool} consumer`);
        if (tool === 'ktc') {
          const m = await measure(process.execPath, [ktcBin, '--credentials', creds, '-t', topics.ktc, '--consumer', '-n', String(n), '-c', `bench-${stamp}-${round}-`, '--json']);
          if (m.code !== 0) throw new Error(`ktc consumer failed: ${m.stderr}`);
          const r = JSON.parse(m.stdout) as { consumer: { messagesPerSecond: number; mbPerSecond: number; endToEnd: { count: number } } };
          samples.push({ tool, side: 'consumer', size, round, msgsPerSec: r.consumer.messagesPerSecond, mbPerSec: r.consumer.mbPerSecond, cpuSeconds: m.cpuSeconds, peakRssMb: m.peakRssMb });
        } else {
          const m = await java('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', bootstrap, '--topic', topics.java, '--messages', String(n), '--consumer.config', javaConfig, '--group', `bench-java-${stamp}-${round}-${size}`]);
          const line = m.stdout.trim().split('\n').at(-1)!.split(',').map((s) => s.trim());
          // fetch.MB.sec and fetch.nMsg.sec: consumption without the group join, as ktc's figure.
          if (m.code !== 0 || line.length < 10) throw new Error(`ConsumerPerformance failed: ${m.stderr || m.stdout}`);
          samples.push({ tool, side: 'consumer', size, round, msgsPerSec: Number(line[9]), mbPerSec: Number(line[8]), cpuSeconds: m.cpuSeconds, peakRssMb: m.peakRssMb });
        }
      }
      await admin.deleteTopics({ topics: Object.values(topics) });
    }
  }
  await admin.disconnect();

  const table = new Table({
    head: ['side', 'record', 'tool', 'msgs/s', 'MB/s', 'p50 ms', 'p99 ms', 'CPU s', 'peak RSS MB', 'ktc/java msgs/s'],
    style: { head: [], border: [] },
  });
  const ratios: Record<'producer' | 'consumer', number[]> = { producer: [], consumer: [] };
  for (const side of ['producer', 'consumer'] as const) {
    for (const size of [100, 1024]) {
      const of = (tool: 'ktc' | 'java') => samples.filter((s) => s.side === side && s.size === size && s.tool === tool);
      const med = (tool: 'ktc' | 'java', f: (s: Sample) => number | undefined) => {
        const xs = of(tool).map(f).filter((x): x is number => x !== undefined);
        return xs.length ? median(xs) : undefined;
      };
      const ratio = med('ktc', (s) => s.msgsPerSec)! / med('java', (s) => s.msgsPerSec)!;
      if (size === 100) ratios[side].push(ratio);
      for (const tool of ['ktc', 'java'] as const) {
        const fmt = (x: number | undefined, d: number) => (x === undefined ? '-' : x.toFixed(d));
        table.push([side, `${size} B`, tool, fmt(med(tool, (s) => s.msgsPerSec), 0), fmt(med(tool, (s) => s.mbPerSec), 2), fmt(med(tool, (s) => s.p50Ms), 1), fmt(med(tool, (s) => s.p99Ms), 1), fmt(med(tool, (s) => s.cpuSeconds), 2), fmt(med(tool, (s) => s.peakRssMb), 0), tool === 'ktc' ? ratio.toFixed(2) : '']);
      }
    }
  }
  const command = `npm run bench -- --rounds ${opts.rounds} --records-100 ${opts.records[100]} --records-1k ${opts.records[1024]}${opts.workers ? ` --workers ${opts.workers}` : ''}`;
  const machine = `${hostname()}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, Apache Kafka ${state.kafkaVersion} (1 node, SASL_PLAINTEXT SCRAM-SHA-512, acks=all, 6 partitions)`;
  const ratioLine = `ratio ktc/java producer=${ratios.producer[0]!.toFixed(2)} consumer=${ratios.consumer[0]!.toFixed(2)}`;
  const report = [
    `# ktc vs Apache Kafka perf tools, ${new Date().toISOString()}`,
    '',
    `command: \`${command}\``,
    `machine: ${machine}`,
    `medians of ${opts.rounds} rounds; latency = send → ack (the Java tool's definition); ratio line at 100 B records`,
    '',
    '```',
    table.toString(),
    '```',
    '',
    'raw samples:',
    '```',
    ...samples.map((s) => JSON.stringify(s)),
    '```',
    '',
    ratioLine,
    '',
  ].join('\n');
  const file = join(root, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}-producer-consumer-vs-java.md`);
  writeFileSync(file, report);
  process.stdout.write(`${table.toString()}\n${machine}\nresults: ${file}\n${ratioLine}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
