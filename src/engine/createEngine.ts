import type { ConnectionConfig } from '../config/connection.js';
import type { EngineName } from '../config/engineNames.js';
import type { AdminEngine, ConsumerEngine, ConsumerOptions, Engine, ProducerEngine, ProducerOptions } from './engine.js';
import { createKafka } from './kafkajsClient.js';
import { KafkajsEngine } from './kafkajsEngine.js';
import { ClusterMetadata } from './wire/clusterMetadata.js';
import { WireConsumer } from './wire/wireConsumer.js';
import { DEFAULT_RETRY_BACKOFF, WireProducer } from './wire/wireProducer.js';

/**
 * ktc's own wire protocol for the data (produce requests, fetches), kafkajs
 * for everything else: admin and consumer-group membership and commits.
 */
class WireEngine implements Engine {
  private readonly kafkajs: KafkajsEngine;

  constructor(private readonly connection: ConnectionConfig) {
    this.kafkajs = new KafkajsEngine(connection);
  }

  /**
   * kafkajs' admin, plus a wait until every broker knows the topic (consumers may ask any broker): one it
   * created, or one another client is creating right now (workers of one run start together).
   */
  async admin(): Promise<AdminEngine> {
    const admin = await this.kafkajs.admin();
    const connection = this.connection;
    return {
      async ensureTopic(spec) {
        const info = await admin.ensureTopic(spec);
        if (info.partitions === 0) return info;
        const cluster = new ClusterMetadata(connection);
        try {
          // Bounded well inside --timeout: the wait only spares clients a retry, it must never fail the run.
          await cluster.awaitTopicOnEveryBroker(info.topic, info.partitions, Math.min(10_000, connection.timeoutMs / 3));
        } finally {
          await cluster.close();
        }
        return info;
      },
      close: () => admin.close(),
    };
  }

  producer(options: ProducerOptions): Promise<ProducerEngine> {
    return WireProducer.connect(this.connection, {
      compression: options.compression,
      acks: options.acks,
      idempotent: options.idempotent,
      deliveryTimeoutMs: options.deliveryTimeoutMs,
      maxInFlightPerBroker: options.maxInFlightPerBroker,
      ...DEFAULT_RETRY_BACKOFF,
    });
  }

  consumer(options: ConsumerOptions): Promise<ConsumerEngine> {
    return new WireConsumer(createKafka(this.connection), this.connection, options).connect();
  }
}

export function createEngine(connection: ConnectionConfig, name: EngineName): Engine {
  return name === 'wire' ? new WireEngine(connection) : new KafkajsEngine(connection);
}
