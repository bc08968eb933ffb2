import { beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/connection.js';
import { createKafka } from '../../src/engine/kafkajsClient.js';
import { applyAcls } from '../../src/local/clusterAdmin.js';
import { endpoints } from '../../src/local/layout.js';
import { clusterAcls } from '../../src/local/users.js';
import { KtcProcess, loggedMessages, runKtc } from '../helpers/runKtc.js';
import { saslConnection, testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { defined } from '../../src/defined.js';

let cluster: TestCluster;
let plain: string;
let ssl: string;
let mtls: string;

/** A fresh topic the relation users have their data-integrator ACLs on, as `ktc local up` gives test-topic. */
async function relationTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  await applyAcls(cluster.admin, clusterAcls(topic));
  return topic;
}

async function produceRaw(connection: ConnectionConfig, topic: string, values: string[]): Promise<void> {
  const producer = createKafka(connection).producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition: 0 })) });
  await producer.disconnect();
}

const client = () => ['-u', 'relation-3', '-p', cluster.passwords.client];

beforeAll(() => {
  cluster = testCluster();
  plain = endpoints(cluster.state, 'SASL_PLAINTEXT');
  ssl = endpoints(cluster.state, 'SASL_SSL');
  mtls = endpoints(cluster.state, 'SSL');
});

describe("the tutorial's command lines, with ktc in place of python3 -m charms.kafka.v0.client", () => {
  it('SASL_PLAINTEXT: the producer exits 0 and the tutorial consumer receives exactly its messages until Ctrl+C', async () => {
    const topic = await relationTopic('tutorial');
    const produced = await runKtc([...client(), '-t', topic, '-s', plain, '-n', '10', '-r', '3', '--num-partitions', '1', '--producer']);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const sent = loggedMessages(produced.stdout, 'published');
    expect(sent).toHaveLength(10);
    expect(sent.map((m) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `Message #${i}`));
    expect(Object.keys(defined(sent[0]))).toEqual(['timestamp', '_id', 'origin', 'content']);

    const consumer = new KtcProcess([...client(), '-t', topic, '-s', plain, '--consumer']);
    await consumer.waitForOutput((out) => loggedMessages(out, 'received').length >= 10);
    consumer.child.kill('SIGINT');
    const result = await consumer.done;
    expect(result.code).toBe(130);
    const received = loggedMessages(result.stdout, 'received');
    expect(received.map((m) => [m._id, m.content])).toEqual(sent.map((m) => [m._id, m.content]));
    expect(result.stdout).toMatch(/Interrupted: in-flight messages were drained/);
    expect(result.stdout).toMatch(/Consumed 10 messages from .* as group relation-3-1/);
  });

  it("the producer role's ACLs (WRITE on the topic, no cluster rights) are enough for the idempotent producer, ktc's default", async () => {
    const topic = await relationTopic('producer-role');
    const produced = await runKtc([
      '-u',
      'relation-1',
      '-p',
      cluster.passwords.producer,
      '-t',
      topic,
      '-s',
      plain,
      '-n',
      '20',
      '-r',
      '3',
      '--producer',
      '--json',
    ]);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const result = JSON.parse(produced.stdout) as { producer: { acked: number; idempotent: boolean } };
    expect(result.producer).toMatchObject({ acked: 20, idempotent: true });
  });

  it('SASL_SSL with --cafile-path: same messages through TLS with the broker certificate verified', async () => {
    const topic = await relationTopic('tutorial-ssl');
    const tls = ['-x', 'SASL_SSL', '--cafile-path', cluster.files.caFile];
    const produced = await runKtc([...client(), ...tls, '-t', topic, '-s', ssl, '-n', '5', '-r', '3', '--num-partitions', '1', '--producer']);
    expect(produced.code).toBe(0);
    const consumed = await runKtc([...client(), ...tls, '-t', topic, '-s', ssl, '--consumer', '-n', '5']);
    expect(consumed.code).toBe(0);
    expect(loggedMessages(consumed.stdout, 'received').map((m) => m._id)).toEqual(loggedMessages(produced.stdout, 'published').map((m) => m._id));
  });

  it('SSL (mTLS): the client certificate is the identity, no password', async () => {
    const topic = await relationTopic('tutorial-mtls');
    const tls = ['-x', 'SSL', '--cafile-path', cluster.files.caFile, '--certfile-path', cluster.files.clientCert, '--keyfile-path', cluster.files.clientKey];
    const produced = await runKtc([...tls, '-t', topic, '-s', mtls, '-n', '5', '-r', '3', '--num-partitions', '1', '--producer']);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    // The group prefix defaults to the certificate's CN, which is what the ACLs name.
    const consumed = await runKtc([...tls, '-t', topic, '-s', mtls, '--consumer', '-n', '5']);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout).toMatch(/as group relation-4-1/);
    expect(loggedMessages(consumed.stdout, 'received').map((m) => m._id)).toEqual(loggedMessages(produced.stdout, 'published').map((m) => m._id));
  });

  it('--credentials from `ktc local credentials` (stdin): produce, consume and verify in one process', async () => {
    const creds = await runKtc(['local', 'credentials', '--dir', cluster.state.dir]);
    expect(creds.code).toBe(0);
    const topic = await relationTopic('creds');
    const run = await runKtc(['--credentials', '-', '-t', topic, '--producer', '--consumer', '-n', '20', '-r', '3'], { input: creds.stdout });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(
      loggedMessages(run.stdout, 'received')
        .map((m) => m._id)
        .sort(),
    ).toEqual(
      loggedMessages(run.stdout, 'published')
        .map((m) => m._id)
        .sort(),
    );
    expect(run.stdout).toMatch(/Verification: 20 acknowledged, 20 of them consumed: 0 lost, 0 duplicates/);
  });

  it('--credentials for SASL_SSL: the TLS CA comes from the YAML', async () => {
    const creds = await runKtc(['local', 'credentials', '--dir', cluster.state.dir, '-x', 'SASL_SSL']);
    const topic = await relationTopic('creds-ssl');
    const run = await runKtc(['--credentials', '-', '-t', topic, '--producer', '--consumer', '-n', '3'], { input: creds.stdout });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/0 lost/);
  });
});

describe("none of client.py's bugs", () => {
  it('accepts a topic that already exists and reports its real partition count; -r may be missing', async () => {
    const topic = await relationTopic('exists');
    const first = await runKtc([...client(), '-t', topic, '-s', plain, '-n', '2', '--num-partitions', '3', '--producer']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`Topic ${topic} created: 3 partition\\(s\\), replication factor 3`));
    const again = await runKtc([...client(), '-t', topic, '-s', plain, '-n', '2', '--num-partitions', '1', '--producer']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`Topic ${topic} exists: 3 partition\\(s\\)`));
  });

  it('keeps consuming past a value that is not JSON, counting it as foreign', async () => {
    const topic = uniqueName('foreign');
    const admin = createKafka(cluster.admin).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const theirs = '{"timestamp": 1732473000.1234567, "_id": "9f1c2d3e4b5a69788796a5b4c3d2e1f0", "origin": "unit (10.0.0.9)", "content": "Message #1"}';
    await produceRaw(saslConnection(cluster, 'admin'), topic, ['not json at all', theirs]);
    const produced = await runKtc(['-u', 'admin', '-p', cluster.passwords.admin, '-t', topic, '-s', plain, '-n', '1', '--producer']);
    expect(produced.code).toBe(0);
    const consumed = await runKtc(['-u', 'admin', '-p', cluster.passwords.admin, '-t', topic, '-s', plain, '--consumer', '-n', '3']);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout).toMatch(/Consumed 3 messages .*\(1 from ktc, 1 other JSON, 1 not JSON \(foreign\)\)/);
    expect(consumed.stdout).toContain('(not JSON: counted as foreign)');
  });

  it('SIGTERM stops a running consumer with a summary and exit status 143', async () => {
    const topic = await relationTopic('sigterm');
    await runKtc([...client(), '-t', topic, '-s', plain, '-n', '3', '--producer']);
    const consumer = new KtcProcess([...client(), '-t', topic, '-s', plain, '--consumer']);
    await consumer.waitForOutput((out) => loggedMessages(out, 'received').length >= 3);
    consumer.child.kill('SIGTERM');
    const result = await consumer.done;
    expect(result.code).toBe(143);
    expect(result.stdout).toMatch(/Consumed 3 messages/);
    expect(result.stderr).toMatch(/SIGTERM: finishing in-flight messages/);
  });

  it('tells the consumer-role user who tries to produce, in one line naming the topic, that it may not write', async () => {
    const topic = await relationTopic('denied');
    await runKtc([...client(), '-t', topic, '-s', plain, '-n', '1', '--producer']);
    const denied = await runKtc(['-u', 'relation-2', '-p', cluster.passwords.consumer, '-t', topic, '-s', plain, '-n', '1', '--producer']);
    expect(denied.code).toBe(1);
    const lines = denied.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^ktc: not authorized to .*topic "${topic}" as user "relation-2"`));
    expect(denied.stderr).not.toMatch(/\n\s+at /);
  });
});
