import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killNode, up } from '../../src/local/cluster.js';
import { DEFAULT_TOPIC, defaultCacheDir } from '../../src/local/layout.js';
import type { RunResult } from '../../src/run/runResult.js';
import { KtcProcess, runKtc } from '../helpers/runKtc.js';
import { TEST_CLUSTER, testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { renderCredentials } from '../../src/local/credentials.js';

let cluster: TestCluster;
let creds: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Brings every stopped node back (data kept) and waits until all three brokers are registered. */
async function restoreCluster(): Promise<void> {
  await up({ ...TEST_CLUSTER, kafkaVersion: cluster.state.kafkaVersion, topic: DEFAULT_TOPIC, cacheDir: defaultCacheDir(), progress: () => undefined });
}

beforeAll(() => {
  cluster = testCluster();
  creds = renderCredentials(cluster.state, cluster.passwords, 'admin');
});

afterEach(restoreCluster, 180_000);

describe('faults on the 3-node cluster (RF 3, min.insync.replicas 2, acks=all)', () => {
  it('kill -9 of a node mid-run: the run goes on and no acknowledged message is lost', async () => {
    const topic = uniqueName('fault-kill');
    const run = new KtcProcess(
      ['--credentials', '-', '-t', topic, '-r', '3', '--num-partitions', '3', '--producer', '--consumer', '-n', '40000', '--throughput', '4000', '--json', '--timeout', '60s'],
      { input: creds, timeoutMs: 120_000 },
    );
    await sleep(3000);
    expect(await killNode(cluster.state.dir, 2)).toBe(true);
    const done = await run.done;
    const result = JSON.parse(done.stdout) as RunResult;
    expect(result.producer!.acked).toBeGreaterThan(30_000);
    expect(result.verification!.lost).toBe(0);
    expect(result.consumer!.ktcMessages).toBeGreaterThanOrEqual(result.producer!.acked);
    // Every send is either acknowledged or reported as failed: nothing vanishes silently.
    expect(result.producer!.acked + result.producer!.failed).toBe(result.producer!.sent);
    expect(done.code).toBe(result.producer!.failed > 0 ? 1 : 0);
  });

  it('with every node down, ktc fails with one clear line within --timeout instead of hanging', async () => {
    for (const node of [1, 2, 3]) await killNode(cluster.state.dir, node);
    const started = Date.now();
    const run = await runKtc(['--credentials', '-', '-t', uniqueName('all-down'), '--producer', '-n', '10', '--timeout', '8s'], { input: creds });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^ktc: (cannot reach Kafka at 127\.0\.2\.1:9092|no answer from Kafka at 127\.0\.2\.1:9092)/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('SIGINT during a run drains in-flight messages, prints the summary and exits 130', async () => {
    const topic = uniqueName('fault-sigint');
    const run = new KtcProcess(['--credentials', '-', '-t', topic, '-r', '3', '--producer', '-n', '100000', '--throughput', '2000', '--progress-interval', '1s'], {
      input: creds,
    });
    // Signal only once messages are flowing (after a full restart the cluster may take a while to serve).
    await run.waitForOutput((out) => /produced [1-9][\d,]* \(/.test(out), 90_000);
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code).toBe(130);
    expect(done.stdout).toMatch(/Interrupted: in-flight messages were drained/);
    const m = /Produced ([\d,]+) of ([\d,]+) messages/.exec(done.stdout);
    expect(m).not.toBeNull();
    // Drained: everything sent before the signal was acknowledged, nothing left pending.
    expect(m![1]).toBe(m![2]);
    expect(Number(m![1]!.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(Number(m![1]!.replace(/,/g, ''))).toBeLessThan(100_000);
  });

  it('SIGTERM during a produce+consume run prints the summary with verification and exits 143', async () => {
    const topic = uniqueName('fault-sigterm');
    const run = new KtcProcess(['--credentials', '-', '-t', topic, '-r', '3', '--producer', '--consumer', '-n', '100000', '--throughput', '2000', '--progress-interval', '1s'], {
      input: creds,
    });
    await run.waitForOutput((out) => /produced [1-9][\d,]* \(.*consumed [1-9][\d,]* \(/.test(out), 90_000);
    run.child.kill('SIGTERM');
    const done = await run.done;
    expect(done.code).toBe(143);
    expect(done.stdout).toMatch(/Verification: [1-9][\d,]* acknowledged, [\d,]+ of them consumed: 0 lost/);
  });
});
