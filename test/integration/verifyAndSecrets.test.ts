import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/engine/kafkajsClient.js';
import { renderCredentials } from '../../src/local/credentials.js';
import { KtcProcess, runKtc } from '../helpers/runKtc.js';
import { testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';

let cluster: TestCluster;
let creds: string;

beforeAll(() => {
  cluster = testCluster();
  creds = renderCredentials(cluster.state, cluster.passwords, 'admin');
});

describe('--verify', () => {
  it('exits 3 when a consumer finds messages missing from another ktc producer', async () => {
    const topic = uniqueName('verify-gap');
    const produced = await runKtc(['--credentials', '-', '-t', topic, '-r', '3', '--num-partitions', '1', '--producer', '-n', '10'], { input: creds });
    expect(produced.code).toBe(0);
    // Remove the first four records, as retention or an unclean leader election would.
    const admin = createKafka(cluster.admin).admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
    await admin.disconnect();
    const checked = await runKtc(['--credentials', '-', '-t', topic, '--consumer', '-n', '6', '--verify'], { input: creds });
    expect(checked.code).toBe(3);
    expect(checked.stdout).toMatch(/Verification: 1 ktc producer\(s\) seen: 4 missing sequence numbers \(gaps\)/);
    const unchecked = await runKtc(['--credentials', '-', '-t', topic, '--consumer', '-n', '6', '-c', 'admin-other-'], { input: creds });
    expect(unchecked.code).toBe(0);
  });
});

describe('secrets', () => {
  it('hides -p from ps while ktc runs', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const secret = 'Sup3rSecretPassw0rdForPs';
    const ktc = new KtcProcess(['-u', 'someone', '-p', secret, '-s', `127.0.0.1:${port}`, '--producer', '--timeout', '5s']);
    await new Promise((r) => setTimeout(r, 1500));
    const cmdline = readFileSync(`/proc/${String(ktc.child.pid)}/cmdline`, 'utf8');
    const done = await ktc.done;
    silent.close();
    expect(cmdline).toMatch(/^ktc/);
    expect(cmdline).not.toContain(secret);
    expect(done.stdout + done.stderr).not.toContain(secret);
  });

  it('keeps the password out of --json results', async () => {
    const run = await runKtc(['--credentials', '-', '-t', uniqueName('json-secret'), '-r', '3', '--producer', '--consumer', '-n', '5', '--json'], {
      input: creds,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(cluster.passwords.admin);
  });
});
