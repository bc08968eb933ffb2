import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killNode, startNode, up } from '../../src/local/cluster.js';
import { DEFAULT_TOPIC, defaultCacheDir, endpoints } from '../../src/local/layout.js';
import { bottleneckWarnings, expectDeliveredExactlyOnce, expectLogHoldsEachAcknowledgedOnce } from '../helpers/deliveryAssertions.js';
import { KtcProcess, runKtc } from '../helpers/runKtc.js';
import { TEST_CLUSTER, testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { renderCredentials } from '../../src/local/credentials.js';
import { defined, present } from '../../src/defined.js';
import { groupCoordinator } from '../helpers/groupCoordinator.js';
import type { RunResult } from '../../src/run/runResult.js';

let cluster: TestCluster;
let creds: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Brings every stopped node back (data kept) and waits until all three brokers are registered. */
async function restoreCluster(): Promise<void> {
  await up({ ...TEST_CLUSTER, kafkaVersion: cluster.state.kafkaVersion, topic: DEFAULT_TOPIC, cacheDir: defaultCacheDir(), progress: () => undefined });
}

/**
 * Produces and consumes 40,000 messages at 4,000/s through a new 3-partition RF 3 topic, kills -9 the node `pick`
 * names three seconds in, and returns the run's result once it has delivered everything exactly once.
 */
async function runThroughKill(topic: string, extraArgs: string[], pick: () => Promise<number>): Promise<RunResult> {
  const run = new KtcProcess(
    [
      '--credentials',
      '-',
      '-t',
      topic,
      '-r',
      '3',
      '--num-partitions',
      '3',
      '--producer',
      '--consumer',
      ...extraArgs,
      '-n',
      '40000',
      '--throughput',
      '4000',
      '--json',
      '--timeout',
      '60s',
    ],
    { input: creds, timeoutMs: 120_000 },
  );
  await sleep(3000);
  expect(await killNode(cluster.state.dir, await pick())).toBe(true);
  return expectDeliveredExactlyOnce(await run.done);
}

beforeAll(() => {
  cluster = testCluster();
  creds = renderCredentials(cluster.state, cluster.passwords, 'admin');
});

afterEach(restoreCluster, 180_000);

describe('faults on the 3-node cluster (RF 3, min.insync.replicas 2, acks=all)', () => {
  it('kill -9 of a node mid-run: the run goes on and nothing is failed, lost, duplicated or reordered', async () => {
    const topic = uniqueName('fault-kill');
    const result = await runThroughKill(topic, [], () => Promise.resolve(2));
    expect(defined(result.producer).acked).toBe(40_000);
    await expectLogHoldsEachAcknowledgedOnce(cluster.admin, topic, result);
  });

  it('kill -9 of the consumer group coordinator mid-run: the member finds the new coordinator, nothing is lost, and the run does not wait out kafkajs retries', async () => {
    const topic = uniqueName('fault-coordinator');
    const prefix = `${uniqueName('coordinator')}-`;
    const result = await runThroughKill(topic, ['-c', prefix], () => groupCoordinator(cluster.admin, `${prefix}1`));
    expect(defined(result.producer).acked).toBe(40_000);
    // A member that kept heartbeating the dead broker (kafkajs alone) gave up after its retries, about 40 s, then
    // rejoined as a new member, and its last commit waited as long: 10 s of producing plus a lookup is far less.
    expect(result.seconds).toBeLessThan(30);
    await expectLogHoldsEachAcknowledgedOnce(cluster.admin, topic, result);
  });

  it('rolling restart of all three nodes during a paced run (--max-in-flight 5): nothing lost, duplicated or reordered, ktc not blamed', async () => {
    const topic = uniqueName('fault-rolling');
    const run = new KtcProcess(
      [
        '--credentials',
        '-',
        '-t',
        topic,
        '-r',
        '3',
        '--num-partitions',
        '3',
        '--producer',
        '--consumer',
        '--throughput',
        '3000',
        '--duration',
        '60s',
        '--max-in-flight',
        '5',
        '--json',
      ],
      { input: creds, timeoutMs: 230_000 },
    );
    await sleep(5000);
    for (const node of [1, 2, 3]) {
      expect(await killNode(cluster.state.dir, node)).toBe(true);
      await sleep(2000);
      expect(await startNode(cluster.state.dir, node, () => undefined)).toBe(true);
      await sleep(5000); // let the restarted node catch up before the next one goes
    }
    const result = expectDeliveredExactlyOnce(await run.done);
    expect(bottleneckWarnings(result)).toEqual([]);
    await expectLogHoldsEachAcknowledgedOnce(cluster.admin, topic, result);
  }, 300_000);

  it('every node down for longer than --delivery-timeout: the unacknowledged messages fail with one clear line, exit 1', async () => {
    const run = new KtcProcess(
      [
        '--credentials',
        '-',
        '-t',
        uniqueName('fault-alldown'),
        '-r',
        '3',
        '--producer',
        '--throughput',
        '2000',
        '--duration',
        '60s',
        '--delivery-timeout',
        '8s',
        '--timeout',
        '5s',
        '--progress-interval',
        '1s',
      ],
      { input: creds, timeoutMs: 60_000 },
    );
    await run.waitForOutput((out) => /produced [1-9][\d,]* \(/.test(out), 60_000);
    for (const node of [1, 2, 3]) await killNode(cluster.state.dir, node);
    const killedAt = Date.now();
    const done = await run.done;
    expect(done.code).toBe(1);
    expect(done.stderr.trim().split('\n')).toHaveLength(1);
    expect(done.stderr).toBe(
      `ktc: messages not acknowledged within the delivery timeout (8 s, --delivery-timeout): cannot reach Kafka at ${endpoints(cluster.state, 'SASL_PLAINTEXT')}: check -s/--servers and the port for -x/--security-protocol, and that the cluster is up\n`,
    );
    // Fails once the first batch's 8 s are up (plus a request timeout at most), not after the 60 s run.
    expect(Date.now() - killedAt).toBeLessThan(20_000);
  });

  it('with every node down, ktc fails with one clear line within --timeout instead of hanging', async () => {
    for (const node of [1, 2, 3]) await killNode(cluster.state.dir, node);
    const started = Date.now();
    const run = await runKtc(['--credentials', '-', '-t', uniqueName('all-down'), '--producer', '-n', '10', '--timeout', '8s'], { input: creds });
    expect(run.code).toBe(1);
    // Refused connections, not a silent cluster: the README's "unreachable servers" line, not --timeout's "no answer".
    expect(run.stderr).toBe(
      `ktc: cannot reach Kafka at ${endpoints(cluster.state, 'SASL_PLAINTEXT')}: check -s/--servers and the port for -x/--security-protocol, and that the cluster is up\n`,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('SIGINT during a run drains in-flight messages, prints the summary and exits 130', async () => {
    const topic = uniqueName('fault-sigint');
    const run = new KtcProcess(
      ['--credentials', '-', '-t', topic, '-r', '3', '--producer', '-n', '100000', '--throughput', '2000', '--progress-interval', '1s'],
      {
        input: creds,
      },
    );
    // Signal only once messages are flowing (after a full restart the cluster may take a while to serve).
    await run.waitForOutput((out) => /produced [1-9][\d,]* \(/.test(out), 90_000);
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code).toBe(130);
    expect(done.stdout).toMatch(/Interrupted: in-flight messages were drained/);
    const m = /Produced ([\d,]+) of ([\d,]+) messages/.exec(done.stdout);
    expect(m).not.toBeNull();
    // Drained: everything sent before the signal was acknowledged, nothing left pending.
    expect(present(m)[1]).toBe(present(m)[2]);
    expect(Number(defined(present(m)[1]).replace(/,/g, ''))).toBeGreaterThan(0);
    expect(Number(defined(present(m)[1]).replace(/,/g, ''))).toBeLessThan(100_000);
  });

  it('SIGTERM during a produce+consume run prints the summary with verification and exits 143', async () => {
    const topic = uniqueName('fault-sigterm');
    const run = new KtcProcess(
      ['--credentials', '-', '-t', topic, '-r', '3', '--producer', '--consumer', '-n', '100000', '--throughput', '2000', '--progress-interval', '1s'],
      {
        input: creds,
      },
    );
    await run.waitForOutput((out) => /produced [1-9][\d,]* \(.*consumed [1-9][\d,]* \(/.test(out), 90_000);
    run.child.kill('SIGTERM');
    const done = await run.done;
    expect(done.code).toBe(143);
    // The consumer reads what was acknowledged before the summary: all of it, once each, in order.
    expect(done.stdout).toMatch(/Verification: ([1-9][\d,]*) acknowledged, \1 of them consumed: 0 lost, 0 duplicates, 0 out of order\./);
  });
});
