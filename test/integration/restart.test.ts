import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, killNode, startNode, up } from '../../src/local/cluster.js';
import { readPasswords } from '../../src/local/clusterState.js';
import { renderCredentials } from '../../src/local/credentials.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_TOPIC, defaultCacheDir } from '../../src/local/layout.js';
import { bottleneckWarnings, expectDeliveredExactlyOnce } from '../helpers/deliveryAssertions.js';
import { KtcProcess } from '../helpers/runKtc.js';
import { repoRoot, TEST_CLUSTER, uniqueName } from '../helpers/testCluster.js';
import { defined } from '../../src/defined.js';

/**
 * A single broker restarted under load: the case where there is no other
 * replica to fail over to, so everything depends on ktc retrying like the Java
 * client. Its own 1-node cluster, next to the shared 3-node one.
 */
const dir = join(repoRoot, '.ktc', 'restart-cluster');
const address = TEST_CLUSTER.firstAddress.replace(/\.\d+$/, '.11');
let creds: string;

beforeAll(async () => {
  await down(dir, false);
  const { state } = await up({
    dir,
    nodes: 1,
    firstAddress: address,
    kafkaVersion: DEFAULT_KAFKA_VERSION,
    topic: DEFAULT_TOPIC,
    cacheDir: defaultCacheDir(),
    progress: () => undefined,
  });
  creds = renderCredentials(state, readPasswords(dir), 'admin');
}, 120_000);

afterAll(() => down(dir, false), 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('one broker, kill -9 and restart during a run', () => {
  it('produces and consumes through the restart: exit 0, nothing failed, lost, duplicated or reordered; the report shows the stall', async () => {
    const run = new KtcProcess(
      [
        '--credentials',
        '-',
        '-t',
        uniqueName('restart'),
        '--num-partitions',
        '3',
        '--producer',
        '--consumer',
        '--throughput',
        '2000',
        '--duration',
        '40s',
        '--json',
      ],
      { input: creds, timeoutMs: 150_000 },
    );
    await sleep(10_000);
    expect(await killNode(dir, 1)).toBe(true);
    const killedAt = Date.now();
    await sleep(3000);
    expect(await startNode(dir, 1, () => undefined)).toBe(true);
    const downMs = Date.now() - killedAt;
    const result = expectDeliveredExactlyOnce(await run.done);
    // The stall is reported as the cluster's: retries, and a wait about as long as the broker was down.
    expect(defined(result.producer).delivery.retries).toBeGreaterThan(0);
    expect(defined(result.producer).longestStallMs).toBeGreaterThan(downMs - 3000);
    expect(bottleneckWarnings(result)).toEqual([]);
  }, 160_000);
});
