import { beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/connection.js';
import kafkajs from 'kafkajs';
import { createKafka, kafkajsConfig } from '../../src/engine/kafkajsClient.js';
import { mtlsConnection, saslConnection, testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { defined } from '../../src/defined.js';

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
    const admin = createKafka({ ...mtlsConnection(cluster, false), timeoutMs: 5000 }).admin();
    const error = await errorOf(async () => {
      await admin.connect();
      await admin.listTopics();
    });
    await admin.disconnect();
    expect(error).not.toBe('no error');
  });

  it('refuses a wrong password on SASL_PLAINTEXT and SASL_SSL', async () => {
    for (const protocol of ['SASL_PLAINTEXT', 'SASL_SSL'] as const) {
      const admin = createKafka(saslConnection(cluster, 'client', protocol, 'not-the-password')).admin();
      const error = await errorOf(() => admin.connect());
      expect(error).toMatch(/SASL|authentication/i);
    }
  });

  it('refuses a client that does not authenticate at all on the SASL listener', async () => {
    const open: ConnectionConfig = { ...saslConnection(cluster, 'client'), timeoutMs: 5000 };
    delete open.sasl;
    const admin = createKafka(open).admin();
    const error = await errorOf(async () => {
      await admin.connect();
      await admin.listTopics();
    });
    await admin.disconnect();
    expect(error).not.toBe('no error');
  });

  it('does not let the consumer-role user write', async () => {
    const producer = createKafka(saslConnection(cluster, 'consumer')).producer();
    await producer.connect();
    const error = await errorOf(() => producer.send({ topic: cluster.state.topic, messages: [{ value: 'x', partition: 0 }] }));
    await producer.disconnect();
    expect(error).toMatch(/authoriz/i);
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

  it('lets the consumer-role user read with a group under its prefix', async () => {
    const value = await roundTrip(saslConnection(cluster, 'client'), cluster.state.topic, 'relation-3-1');
    expect(value).toMatch(/^probe-/);
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
