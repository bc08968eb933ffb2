import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderCredentials } from '../../src/local/credentials.js';
import type { RunResult } from '../../src/run/runResult.js';
import { LatencyHistogram } from '../../src/stats/latencyHistogram.js';
import { runKtc } from '../helpers/runKtc.js';
import { testCluster, uniqueName } from '../helpers/testCluster.js';
import { defined } from '../../src/defined.js';

let creds: string;
const ktc = (args: string[]) => runKtc(['--credentials', '-', ...args], { input: creds, timeoutMs: 120_000 });

beforeAll(() => {
  const cluster = testCluster();
  creds = renderCredentials(cluster.state, cluster.passwords, 'admin');
});

describe('load testing against the local cluster', () => {
  it('--json: a produce+consume run reports counts, verification and positive latencies', async () => {
    const run = await ktc([
      '-t',
      uniqueName('json'),
      '-r',
      '3',
      '--num-partitions',
      '3',
      '--producer',
      '--consumer',
      '-n',
      '5000',
      '--record-size',
      '200',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as RunResult;
    expect(defined(r.producer).acked).toBe(5000);
    expect(defined(r.producer).failed).toBe(0);
    expect(defined(r.producer).bytes).toBe(5000 * 200);
    expect(defined(r.consumer).ktcMessages).toBe(5000);
    expect(defined(r.verification).lost).toBe(0);
    expect(defined(r.verification).duplicates).toBe(0);
    for (const s of [defined(r.producer).serviceTime, defined(r.consumer).endToEnd]) {
      expect(s.count).toBe(5000);
      expect(s.percentiles.p50).toBeGreaterThan(0);
      expect(s.percentiles.p99).toBeGreaterThanOrEqual(defined(s.percentiles.p50));
      expect(s.max).toBeGreaterThanOrEqual(defined(s.percentiles['p99.99']) * 0.99);
    }
    expect(Object.keys(r.histograms).sort()).toEqual(['endToEnd', 'producerServiceTime']);
    expect(r.client.peakRssMb).toBeGreaterThan(0);
  });

  it('--workers 2 splits -n between two producers and merges their results', async () => {
    const run = await ktc([
      '-t',
      uniqueName('workers'),
      '-r',
      '3',
      '--num-partitions',
      '4',
      '--producer',
      '--consumer',
      '-n',
      '20001',
      '--record-size',
      '100',
      '--workers',
      '2',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as RunResult;
    expect(defined(r.producer).producerIds).toHaveLength(2);
    expect(defined(r.producer).acked).toBe(20001);
    expect(defined(r.producer).serviceTime.count).toBe(20001);
    expect(
      defined(r.verification)
        .producers.filter((p) => p.acknowledged !== undefined)
        .map((p) => p.acknowledged)
        .sort(),
    ).toEqual([10000, 10001]);
    expect(defined(r.verification).lost).toBe(0);
  });

  it('--engine kafkajs produces the same verifiable messages as the default wire engine', async () => {
    for (const engine of ['kafkajs', 'wire']) {
      const run = await ktc([
        '-t',
        uniqueName(engine),
        '-r',
        '3',
        '--num-partitions',
        '3',
        '--producer',
        '--consumer',
        '-n',
        '3000',
        '--engine',
        engine,
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const r = JSON.parse(run.stdout) as RunResult;
      expect(defined(r.producer).acked).toBe(3000);
      expect(defined(r.verification).lost).toBe(0);
    }
  });

  it('--compression with each codec: the wire producer writes and the wire consumer reads every message', async () => {
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const run = await ktc([
        '-t',
        uniqueName(codec),
        '-r',
        '3',
        '--num-partitions',
        '2',
        '--producer',
        '--consumer',
        '-n',
        '5000',
        '--record-size',
        '300',
        '--compression',
        codec,
        '--json',
      ]);
      expect(run.code, `${codec}: ${run.stderr}`).toBe(0);
      const r = JSON.parse(run.stdout) as RunResult;
      expect(defined(r.consumer).ktcMessages, codec).toBe(5000);
      expect(defined(r.verification).lost, codec).toBe(0);
    }
  });

  it('--acks 1 and --acks 0 deliver every message on a healthy cluster', async () => {
    for (const acks of ['1', '0']) {
      const run = await ktc([
        '-t',
        uniqueName(`acks${acks}`),
        '-r',
        '3',
        '--num-partitions',
        '3',
        '--producer',
        '--consumer',
        '-n',
        '20000',
        '--record-size',
        '100',
        '--acks',
        acks,
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const r = JSON.parse(run.stdout) as RunResult;
      expect(defined(r.consumer).ktcMessages).toBe(20000);
      expect(defined(r.verification).lost).toBe(0);
    }
  });

  it('--throughput paces an open loop and records latency from the scheduled send time', async () => {
    const run = await ktc(['-t', uniqueName('rate'), '-r', '3', '--producer', '--throughput', '1000', '--duration', '3s', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as RunResult;
    expect(defined(r.producer).acked).toBeGreaterThan(2700);
    expect(defined(r.producer).acked).toBeLessThan(3300);
    expect(defined(defined(r.producer).responseTime).count).toBe(defined(r.producer).acked);
    expect(defined(defined(r.producer).scheduleSlip).count).toBe(defined(r.producer).acked);
  });

  it("--format kafka prints kafka-producer-perf-test's and kafka-consumer-perf-test's lines", async () => {
    const topic = uniqueName('kafka-format');
    const produced = await ktc(['-t', topic, '-r', '3', '--producer', '-n', '2000', '--record-size', '100', '--format', 'kafka', '--workers', '1']);
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stdout.trim().split('\n').at(-1)).toMatch(
      /^2000 records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/,
    );
    const consumed = await ktc(['-t', topic, '--consumer', '-n', '2000', '--format', 'kafka']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stderr).toBe('');
    const lines = consumed.stdout.trim().split('\n');
    expect(lines.at(-2)).toBe(
      'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
    );
    const fields = defined(lines.at(-1)).split(', ');
    expect(fields).toHaveLength(10);
    const [start, end, mb, , count, , rebalance, fetch] = fields.map((f, i) => (i < 2 ? Date.parse(f.replace(/ (\d+:\d+:\d+):(\d+)$/, 'T$1.$2')) : Number(f)));
    expect(count).toBe(2000);
    expect(mb).toBe(Number(((2000 * 100) / 1024 / 1024).toFixed(4)));
    // The group join (connect, coordinator, JoinGroup, SyncGroup) takes real time; fetching is the rest of the span.
    expect(rebalance).toBeGreaterThan(0);
    expect(defined(rebalance) + defined(fetch)).toBe(defined(end) - defined(start));
  });

  it('--hdr-out saves mergeable histograms and --log-file takes the output off stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ktc-out-'));
    const hdr = join(dir, 'latency.hdr.json');
    const log = join(dir, 'run.log');
    const run = await ktc(['-t', uniqueName('files'), '-r', '3', '--producer', '--consumer', '-n', '50', '--hdr-out', hdr, '--log-file', log]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    const text = readFileSync(log, 'utf8');
    expect(text.match(/Message published to topic=/g)).toHaveLength(50);
    expect(text).toMatch(/Verification: 50 acknowledged, 50 of them consumed: 0 lost/);
    const histograms = JSON.parse(readFileSync(hdr, 'utf8')) as Record<string, string>;
    const merged = new LatencyHistogram();
    merged.addEncoded(defined(histograms.producerServiceTime));
    merged.addEncoded(defined(histograms.producerServiceTime));
    expect(merged.count).toBe(100);
    merged.destroy();
  });
});
