import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import hdr from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCredentials } from '../../src/local/credentials.js';
import type { RunResult } from '../../src/run/runResult.js';
import type { LatencySummary } from '../../src/stats/latencyHistogram.js';
import { KtcProcess, runKtc } from '../helpers/runKtc.js';
import { saslConnection, testCluster, uniqueName } from '../helpers/testCluster.js';
import { helloMessage, ResultsTopic } from '../../src/distributed/resultsTopic.js';
import { defined } from '../../src/defined.js';

interface MergedJson {
  runId: string;
  workers: string[];
  missing: string[];
  neverSeen: number;
  result: RunResult;
}

let scratch: string;
let creds: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ktc-dist-'));
  creds = renderCredentials(testCluster().state, testCluster().passwords, 'admin');
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * One worker of a run: all share the topic and the consumer group, so each consumer reads its share. --timeout
 * bounds the start barrier (three group joins in a row on a loaded machine) and, once producing is over, how
 * long a consumer waits for more: its share of the others' messages is all it can expect.
 */
function worker(runId: string, topic: string, extra: string[]): KtcProcess {
  return new KtcProcess(
    // A group of the run's own: a killed worker's membership must not hold up later tests' joins in admin-1.
    [
      '--credentials',
      '-',
      '-t',
      topic,
      '-c',
      `${runId}-`,
      '-r',
      '3',
      '--num-partitions',
      '3',
      '--producer',
      '--consumer',
      '--run-id',
      runId,
      '--workers-expected',
      '3',
      '--timeout',
      '30s',
      ...extra,
    ],
    { input: creds, timeoutMs: 150_000 },
  );
}

/** The percentile of one histogram that recorded every worker's samples, built here from the --hdr-out files with the plain JS HdrHistogram. */
function percentilesOfAll(files: string[], name: string, percentiles: number[]): number[] {
  const all = hdr.build({ bitBucketSize: 64, numberOfSignificantValueDigits: 3, autoResize: true, lowestDiscernibleValue: 1 });
  for (const file of files) {
    const one = hdr.decodeFromCompressedBase64(defined((JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)[name]), 64);
    all.add(one);
  }
  return percentiles.map((p) => all.getValueAtPercentile(p));
}

describe('distributed runs through the results topic', () => {
  it('three workers with one --run-id: ktc results merges them exactly and verifies across workers', { timeout: 240_000 }, async () => {
    const runId = uniqueName('run');
    const topic = uniqueName('dist');
    const M = 2000;
    const files = [1, 2, 3].map((i) => join(scratch, `w${i}.json`));
    const workers = files.map((file) => worker(runId, topic, ['-n', String(M), '--record-size', '150', '--hdr-out', file, '--json']));
    const runs = await Promise.all(workers.map((w) => w.done));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);

    const report = await runKtc(['results', '--credentials', '-', '--run-id', runId, '--expect', '3', '--json'], { input: creds, timeoutMs: 90_000 });
    expect(report.code, report.stderr).toBe(0);
    const merged = JSON.parse(report.stdout) as MergedJson;
    expect(merged.workers.sort()).toEqual(workers.map((w) => `${hostname()}-${String(w.child.pid)}`).sort());
    expect(merged.missing).toEqual([]);
    const r = merged.result;
    expect(defined(r.producer).acked).toBe(3 * M);
    expect(defined(r.consumer).received).toBe(3 * M);
    expect(defined(r.verification).lost).toBe(0);
    expect(defined(r.verification).producers.map((p) => p.acknowledged)).toEqual([M, M, M]);

    const ps = [50, 99, 99.9];
    const pick = (s: LatencySummary) => ps.map((p) => s.percentiles[`p${p}`]);
    expect(pick(defined(r.producer).serviceTime)).toEqual(percentilesOfAll(files, 'producerServiceTime', ps));
    expect(pick(defined(r.consumer).endToEnd)).toEqual(percentilesOfAll(files, 'endToEnd', ps));
    expect(defined(r.producer).serviceTime.count).toBe(3 * M);
  });

  it('five clients started together on a topic none of them has created: one creates it, all of them produce and consume', { timeout: 120_000 }, async () => {
    const topic = uniqueName('race');
    // Each in a group of its own, so each consumer reads everything and verifies its own producer.
    const runs = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        runKtc(
          ['--credentials', '-', '-t', topic, '-c', `${topic}-${i}-`, '-r', '3', '--num-partitions', '3', '--producer', '--consumer', '-n', '20', '--json'],
          {
            input: creds,
            timeoutMs: 90_000,
          },
        ),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const results = runs.map((run) => JSON.parse(run.stdout) as RunResult);
    expect(results.filter((r) => r.topicInfo?.created)).toHaveLength(1);
    for (const r of results) expect(r.topicInfo?.partitions).toBe(3);
    expect(results.map((r) => r.producer?.acked)).toEqual([20, 20, 20, 20, 20]);
  });

  it('--start-at holds production until the moment and says so on stderr', { timeout: 120_000 }, async () => {
    const topic = uniqueName('start-at');
    // Producer only: nothing but the topic's creation comes before the wait, which 15 s leaves room for under load.
    const startAt = new Date(Date.now() + 15_000);
    startAt.setUTCMilliseconds(0);
    const at = startAt.toISOString().replace('.000Z', 'Z');
    const run = await runKtc(['--credentials', '-', '-t', topic, '--producer', '-n', '5', '--start-at', at], { input: creds, timeoutMs: 90_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`^ktc: waiting until ${startAt.toISOString().replace(/\./g, '\\.')} to start producing \\(--start-at\\), (1[0-5]|[1-9]) s from now\n$`),
    );
    // client.py's JSON carries the send time in seconds: every message was sent at or after the moment.
    const sentAt = [...run.stdout.matchAll(/Message published to topic=\S+, message content: \{"timestamp": ([0-9.]+)/g)].map((m) => Number(m[1]) * 1000);
    expect(sentAt).toHaveLength(5);
    for (const t of sentAt) expect(t).toBeGreaterThanOrEqual(startAt.getTime());
    expect(run.stdout).toContain('Produced 5 of 5 messages');
  });

  it('publishes a hello and a progress message sent at the same moment, before its producer has connected', { timeout: 60_000 }, async () => {
    const runId = uniqueName('race');
    const topic = new ResultsTopic(saslConnection(testCluster(), 'admin'), uniqueName('results'), 'admin-');
    try {
      await topic.ensure();
      const progress = { v: 1 as const, kind: 'progress' as const, runId, workerId: 'w-1', at: new Date().toISOString(), seconds: 1, produced: 7 };
      await Promise.all([topic.publish(helloMessage(runId, 'w-1')), topic.publish(progress)]);
      const { state } = await topic.read(runId, (s) => s.hello.length === 1 && s.progress.length === 1, Date.now() + 20_000);
      expect(state.hello).toEqual(['w-1']);
      expect(state.progress.map((p) => p.produced)).toEqual([7]);
    } finally {
      await topic.close();
    }
  });

  it('a worker killed mid-run is named as missing in one line, and the other two are merged', { timeout: 240_000 }, async () => {
    const runId = uniqueName('run');
    const topic = uniqueName('dist');
    const finishing = [worker(runId, topic, ['-n', '1000', '--json']), worker(runId, topic, ['-n', '1000', '--json'])];
    const victim = worker(runId, topic, ['--throughput', '200', '-n', '100000', '--progress-interval', '1s']);
    // Producing means every worker is past the barrier; then the slow one dies, and the others run out of messages.
    await victim.waitForOutput((out) => /produced [1-9]/.test(out), 90_000);
    victim.child.kill('SIGKILL');
    await victim.done;
    const finished = await Promise.all(finishing.map((w) => w.done));
    for (const run of finished) expect(run.code, run.stderr).toBe(0);

    const report = await runKtc(['results', '--credentials', '-', '--run-id', runId, '--expect', '3', '--wait', '3s', '--json'], {
      input: creds,
      timeoutMs: 90_000,
    });
    expect(report.code).toBe(1);
    const merged = JSON.parse(report.stdout) as MergedJson;
    const victimId = `${hostname()}-${String(victim.child.pid)}`;
    expect(merged.workers.sort()).toEqual(finishing.map((w) => `${hostname()}-${String(w.child.pid)}`).sort());
    expect(merged.missing).toEqual([victimId]);
    expect(defined(merged.result.producer).acked).toBe(2000);
    expect(report.stderr).toBe(
      `ktc: worker ${victimId} announced itself but published no result (killed, failed, or still running): its figures are not included\n`,
    );
  });
});
