import { down, nodeStatuses, up } from '../../src/local/cluster.js';
import { readState } from '../../src/local/clusterState.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_TOPIC, defaultCacheDir } from '../../src/local/layout.js';
import { TEST_CLUSTER } from '../helpers/testCluster.js';

/**
 * Brings the shared test cluster up once for all integration files, or reuses
 * one that is already running (fast local iteration), and tears down only
 * what it started.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const existing = readState(TEST_CLUSTER.dir);
  const running = existing !== undefined && nodeStatuses(existing).every((s) => s.running);
  if (running) {
    process.stderr.write(`[ktc tests] reusing the running test cluster in ${TEST_CLUSTER.dir}\n`);
    return () => Promise.resolve();
  }
  if (existing) await down(TEST_CLUSTER.dir, false);
  const result = await up({
    ...TEST_CLUSTER,
    kafkaVersion: process.env.KTC_TEST_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION,
    topic: DEFAULT_TOPIC,
    cacheDir: defaultCacheDir(),
    progress: (line) => process.stderr.write(`[ktc tests] ${line}\n`),
  });
  process.stderr.write(`[ktc tests] test cluster ready in ${result.seconds.toFixed(1)} s\n`);
  return async () => {
    if (process.env.KTC_TEST_KEEP_CLUSTER) return;
    await down(TEST_CLUSTER.dir, false);
  };
}
