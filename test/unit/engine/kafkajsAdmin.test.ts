import { describe, expect, it } from 'vitest';
import { KafkajsAdmin, type KafkajsAdminClient } from '../../../src/engine/kafkajsEngine.js';

/**
 * ensureTopic's answers to what kafkajs' admin reports while topics are being created by several clients at once.
 * The kafkajs side is scripted here: the races it stands for (a broker that has not caught up with the controller)
 * cannot be produced on demand on a real cluster; test/integration/distributed.test.ts runs the real races.
 */

type Metadata = Awaited<ReturnType<KafkajsAdminClient['fetchTopicMetadata']>>;

/** A kafkajs protocol error as kafkajs throws it: the broker's error name in `type`. */
function protocolError(type: string): Error {
  return Object.assign(new Error(`broker answered ${type}`), { name: 'KafkaJSProtocolError', type });
}

function metadata(topic: string, partitions: number, replicas: number[]): Metadata {
  return {
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: partitions }, (_, partitionId) => ({
          partitionErrorCode: 0,
          partitionId,
          // Leaders rotate over the replicas, as the controller spreads them.
          leader: replicas[partitionId % replicas.length] ?? -1,
          replicas,
          isr: replicas,
        })),
      },
    ],
  };
}

/** A kafkajs admin whose createTopics settles as given and whose metadata answers come from a script, one per call. */
function scripted(create: () => Promise<boolean>, answers: Array<Metadata | Error>): KafkajsAdminClient & { metadataCalls: number } {
  const client = {
    metadataCalls: 0,
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    createTopics: create,
    fetchTopicMetadata: () => {
      const answer = answers[Math.min(client.metadataCalls, answers.length - 1)];
      client.metadataCalls += 1;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer ?? { topics: [] });
    },
  };
  return client;
}

const spec = { topic: 'orders', partitions: 3, replicationFactor: 3 };

describe('KafkajsAdmin.ensureTopic', () => {
  it('created, then told the topic is unknown by a broker not caught up: waits for it and reports it created', async () => {
    const unknown = protocolError('UNKNOWN_TOPIC_OR_PARTITION');
    const client = scripted(() => Promise.reject(unknown), [unknown, unknown, metadata('orders', 3, [1, 2, 3])]);
    const info = await new KafkajsAdmin(client).ensureTopic(spec);
    expect(info).toEqual({ topic: 'orders', created: true, partitions: 3, replicationFactor: 3, leaders: 3 });
    expect(client.metadataCalls).toBe(3);
  });

  it('already there because another client is creating it: asks again until its partitions show, not created', async () => {
    const client = scripted(() => Promise.resolve(false), [metadata('orders', 0, []), metadata('orders', 3, [2, 3, 1])]);
    const info = await new KafkajsAdmin(client).ensureTopic(spec);
    expect(info).toEqual({ topic: 'orders', created: false, partitions: 3, replicationFactor: 3, leaders: 3 });
    expect(client.metadataCalls).toBe(2);
  });

  it('a user without CREATE uses the topic someone else made', async () => {
    const client = scripted(() => Promise.reject(protocolError('TOPIC_AUTHORIZATION_FAILED')), [metadata('orders', 6, [1])]);
    const info = await new KafkajsAdmin(client).ensureTopic(spec);
    expect(info).toEqual({ topic: 'orders', created: false, partitions: 6, replicationFactor: 1, leaders: 1 });
  });

  it('a user without CREATE on a topic nobody made gets the authorization error, not a missing topic', async () => {
    const denied = protocolError('TOPIC_AUTHORIZATION_FAILED');
    const client = scripted(() => Promise.reject(denied), [protocolError('UNKNOWN_TOPIC_OR_PARTITION')]);
    await expect(new KafkajsAdmin(client).ensureTopic(spec)).rejects.toBe(denied);
    expect(client.metadataCalls).toBe(1);
  });
});
