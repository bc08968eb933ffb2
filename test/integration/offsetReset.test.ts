import { beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/engine/kafkajsClient.js';
import { renderCredentials } from '../../src/local/credentials.js';
import type { RunResult } from '../../src/run/runResult.js';
import { runKtc } from '../helpers/runKtc.js';
import { testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { defined } from '../../src/defined.js';

let cluster: TestCluster;
let creds: string;

beforeAll(() => {
  cluster = testCluster();
  creds = renderCredentials(cluster.state, cluster.passwords, 'admin');
});

/**
 * A group whose committed offset was deleted by retention: the position is
 * out of range, and the consumer must follow --auto-offset-reset and say so
 * (it used to rewind silently to the start).
 */
async function topicWithDeletedHead(): Promise<{ topic: string; group: string }> {
  const topic = uniqueName('reset');
  const group = `${uniqueName('g')}-`;
  const produced = await runKtc(['--credentials', '-', '-t', topic, '--num-partitions', '1', '-r', '3', '--producer', '-n', '100', '--json'], { input: creds });
  expect(produced.code).toBe(0);
  const admin = createKafka(cluster.admin).admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId: `${group}1`, topic, partitions: [{ partition: 0, offset: '10' }] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '60' }] });
  } finally {
    await admin.disconnect();
  }
  return { topic, group };
}

describe('OFFSET_OUT_OF_RANGE follows --auto-offset-reset', () => {
  it('earliest (the default): continues from the log start and warns with the partition, the offsets and what was lost', async () => {
    const { topic, group } = await topicWithDeletedHead();
    const run = await runKtc(['--credentials', '-', '-t', topic, '-c', group, '--consumer', '--idle-timeout', '4s', '--json'], { input: creds });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(defined(result.consumer).received).toBe(40);
    expect(run.stderr).toContain(
      `ktc: offset 10 of ${topic}[0] is out of range (the log holds 60 to 100): continuing from the earliest offset, 60 (50 messages were deleted before they were read)`,
    );
  });

  it('latest: continues from the end of the log, reading nothing that was there', async () => {
    const { topic, group } = await topicWithDeletedHead();
    const run = await runKtc(
      ['--credentials', '-', '-t', topic, '-c', group, '--consumer', '--auto-offset-reset', 'latest', '--idle-timeout', '4s', '--json'],
      {
        input: creds,
      },
    );
    expect(run.code).toBe(0);
    expect(defined((JSON.parse(run.stdout) as RunResult).consumer).received).toBe(0);
    expect(run.stderr).toContain(`ktc: offset 10 of ${topic}[0] is out of range (the log holds 60 to 100): continuing from the latest offset, 100`);
  });
});
