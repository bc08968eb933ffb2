import { beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/connection.js';
// Before kafkajs: ktc's fixes to kafkajs apply only if they load first (src/engine/kafkajsPatch.ts).
import { createKafka, kafkajsConfig } from '../../src/engine/kafkajsClient.js';
import kafkajs from 'kafkajs';
import { mtlsConnection, saslConnection, testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { defined } from '../../src/defined.js';
import { endpoints } from '../../src/local/layout.js';
import { USER_NAMES, type SaslRole } from '../../src/local/users.js';
import { runKtc, type KtcRun } from '../helpers/runKtc.js';

const { Kafka, logLevel } = kafkajs;

let cluster: TestCluster;

async function ensureTopic(connection: ConnectionConfig, topic: string, replicationFactor = 3): Promise<void> {
  const admin = createKafka(connection).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Produces one message and reads it back: proves a listener accepts these credentials end to end. */
async function roundTrip(connection: ConnectionConfig, topic: string, groupId: string): Promise<string> {
  const kafka = createKafka(connection);
  const producer = kafka.producer();
  await producer.connect();
  const value = uniqueName('probe');
  try {
    await producer.send({ topic, acks: -1, messages: [{ value, partition: 0 }] });
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message back on ${topic}`)), 30_000);
      void consumer.run({
        eachMessage: ({ message }) => {
          if (message.value?.toString() === value) {
            clearTimeout(timer);
            resolve(value);
          }
          return Promise.resolve();
        },
      });
    }).then(() => value);
  } finally {
    await consumer.disconnect();
  }
}

async function errorOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
  return 'no error';
}

/** -u/-p of one of the cluster's SASL users. */
function login(role: SaslRole): string[] {
  return ['-u', USER_NAMES[role], '-p', cluster.passwords[role]];
}

/** What a refusal must look like to a user: exit 1 and that one line on stderr. */
function expectOneErrorLine(run: KtcRun, line: string | RegExp): void {
  expect(run.code, run.stderr).toBe(1);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
}

beforeAll(async () => {
  cluster = testCluster();
  await ensureTopic(saslConnection(cluster, 'admin'), cluster.state.topic);
});

describe('ktc local: a real, locked-down Kafka 4 cluster', () => {
  it('accepts SCRAM-SHA-512 credentials on the SASL_PLAINTEXT listener (9092)', async () => {
    const value = await roundTrip(saslConnection(cluster, 'client'), cluster.state.topic, uniqueName('relation-3-plain'));
    expect(value).toMatch(/^probe-/);
  });

  it('accepts SCRAM-SHA-512 credentials over TLS on the SASL_SSL listener (9093), verifying the broker certificate', async () => {
    const value = await roundTrip(saslConnection(cluster, 'client', 'SASL_SSL'), cluster.state.topic, uniqueName('relation-3-ssl'));
    expect(value).toMatch(/^probe-/);
  });

  it('accepts the client certificate on the mTLS listener (9094) as principal relation-4', async () => {
    const value = await roundTrip(mtlsConnection(cluster), cluster.state.topic, uniqueName('relation-4-mtls'));
    expect(value).toMatch(/^probe-/);
  });

  it('refuses a TLS client without a certificate on the mTLS listener', async () => {
    // SASL_SSL speaks TLS without a client certificate (ktc refuses -x SSL without one before connecting).
    const ssl = endpoints(cluster.state, 'SSL');
    const run = await runKtc([
      '-x',
      'SASL_SSL',
      '--cafile-path',
      cluster.files.caFile,
      ...login('client'),
      '-s',
      ssl,
      '-t',
      cluster.state.topic,
      '--producer',
      '-n',
      '1',
    ]);
    expectOneErrorLine(
      run,
      `ktc: the broker at ${ssl} refused the TLS handshake: it requires a client certificate signed by its CA (--certfile-path and --keyfile-path)`,
    );
  });

  it('refuses a wrong password on SASL_PLAINTEXT and SASL_SSL', async () => {
    for (const protocol of ['SASL_PLAINTEXT', 'SASL_SSL'] as const) {
      const servers = endpoints(cluster.state, protocol);
      const run = await runKtc([
        '-x',
        protocol,
        '--cafile-path',
        cluster.files.caFile,
        '-u',
        USER_NAMES.client,
        '-p',
        'not-the-password',
        '-s',
        servers,
        '--producer',
        '-n',
        '1',
      ]);
      expectOneErrorLine(
        run,
        `ktc: authentication failed as user "relation-3" at ${servers}: check the username and password (-u/-p, --credentials) and the SASL mechanism`,
      );
    }
  });

  it('refuses a client that does not authenticate at all on the SASL listener', async () => {
    // The broker answers ApiVersions before authentication, then closes the connection on any other request.
    const plain = endpoints(cluster.state, 'SASL_PLAINTEXT');
    const run = await runKtc(['-x', 'PLAINTEXT', '-s', plain, '-t', cluster.state.topic, '--producer', '-n', '1']);
    expectOneErrorLine(run, `ktc: cannot reach Kafka at ${plain}: check -s/--servers and the port for -x/--security-protocol, and that the cluster is up`);
  });

  it('does not let the producer-role user read with a consumer group', async () => {
    // kafkajs hides the broker's answer behind "Failed to find group coordinator"; its debug log keeps it.
    const brokerErrors: string[] = [];
    const kafka = new Kafka({
      ...kafkajsConfig(saslConnection(cluster, 'producer')),
      logLevel: logLevel.DEBUG,
      logCreator: () => (entry) => {
        const type = (entry.log as { error?: { type?: string } }).error?.type;
        if (type) brokerErrors.push(type);
      },
    });
    const consumer = kafka.consumer({ groupId: 'relation-1-1', retry: { retries: 0 } });
    await consumer.connect();
    await consumer.subscribe({ topic: cluster.state.topic, fromBeginning: true });
    const crashed = new Promise<string>((resolve) => {
      consumer.on(consumer.events.CRASH, (event) => resolve(String(event.payload.error)));
    });
    await consumer.run({ eachMessage: () => Promise.resolve() });
    const error = await Promise.race([crashed, new Promise<string>((r) => setTimeout(() => r('no error'), 30_000))]);
    await consumer.disconnect();
    expect(error).not.toBe('no error');
    expect(brokerErrors).toContain('GROUP_AUTHORIZATION_FAILED');
  });

  describe('the consumer role (relation-2: READ and DESCRIBE on the topic, READ on groups prefixed relation-2-)', () => {
    const consumer = () => [...login('consumer'), '-s', endpoints(cluster.state, 'SASL_PLAINTEXT'), '-t', cluster.state.topic];

    it('reads the topic with a group under its prefix', async () => {
      const producer = createKafka(saslConnection(cluster, 'admin')).producer();
      await producer.connect();
      const value = uniqueName('for-relation-2');
      await producer.send({ topic: cluster.state.topic, acks: -1, messages: [{ value, partition: 0 }] });
      await producer.disconnect();
      // A group of its own (relation-2-<unique>-1) starts from the earliest offset, so it reads the probe too.
      const prefix = `${uniqueName('relation-2')}-`;
      const run = await runKtc([...consumer(), '--consumer', '-c', prefix, '--idle-timeout', '3s']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain(`, message content: "${value}" (not JSON: counted as foreign)`);
      expect(run.stdout).toMatch(new RegExp(`Consumed [\\d,]+ messages from ${cluster.state.topic} as group ${prefix}1 `));
    });

    it('may not produce: the documented authorization line, exit 1', async () => {
      const run = await runKtc([...consumer(), '--producer', '-n', '1']);
      expectOneErrorLine(
        run,
        new RegExp(`^ktc: not authorized to write to topic "${cluster.state.topic}" as user "relation-2": the user needs producer ACLs on it`),
      );
    });

    it('may not use a group outside its prefix', async () => {
      const run = await runKtc([...consumer(), '--consumer', '-n', '1', '-c', 'relation-3-']);
      expectOneErrorLine(run, /^ktc: not authorized to use consumer group "relation-3-1" as user "relation-2" .*; set it with -c\/--consumer-group-prefix$/);
    });
  });

  it('does not create topics automatically, even for the admin', async () => {
    const topic = uniqueName('auto-create-probe');
    const kafka = createKafka({ ...saslConnection(cluster, 'admin'), timeoutMs: 5000 });
    const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
    await producer.connect();
    const error = await errorOf(() => producer.send({ topic, messages: [{ value: 'x' }] }));
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(error).not.toBe('no error');
    expect(topics).not.toContain(topic);
  });

  it('replicates a topic with replication factor 3 to 3 in-sync replicas on the 3-node cluster', async () => {
    const topic = uniqueName('rf3');
    await ensureTopic(saslConnection(cluster, 'admin'), topic, 3);
    const admin = createKafka(saslConnection(cluster, 'admin')).admin();
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    expect(brokers).toHaveLength(3);
    const partitions = defined(topics[0]).partitions;
    expect(partitions.length).toBeGreaterThan(0);
    for (const p of partitions) {
      expect(p.replicas).toHaveLength(3);
      expect(p.isr).toHaveLength(3);
    }
  });
});
