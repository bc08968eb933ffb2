import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import type { ConnectionConfig } from '../../src/config/connection.js';
import { createKafka } from '../../src/engine/kafkajsClient.js';
import { adminConnection, down, nodeStatuses, up } from '../../src/local/cluster.js';
import type { ClusterState } from '../../src/local/clusterState.js';
import { readPasswords } from '../../src/local/clusterState.js';
import { renderCredentials } from '../../src/local/credentials.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_TOPIC, defaultCacheDir, endpoints } from '../../src/local/layout.js';
import { pinProcess } from './processRun.js';

/** Everything a client needs to reach the bench cluster as its admin user. */
export interface BenchCluster {
  state: ClusterState;
  nodes: number;
  bootstrap: string;
  /** ktc's --credentials file. */
  credentialsFile: string;
  /** The Java tools' client properties (SASL). */
  javaConfigFile: string;
  username: string;
  password: string;
  connection: ConnectionConfig;
  admin: Admin;
  brokerCores: string;
  stop(): Promise<void>;
}

/**
 * A `ktc local` cluster (SASL_PLAINTEXT, SCRAM-SHA-512, as Charmed Kafka
 * serves it) on the bench's own addresses, every broker thread pinned to
 * `brokerCores` so clients pinned elsewhere never share a core with it.
 */
export async function startCluster(dir: string, nodes: number, firstAddress: string, brokerCores: string, log: (line: string) => void): Promise<BenchCluster> {
  const { state } = await up({
    dir,
    nodes,
    firstAddress,
    kafkaVersion: process.env.KTC_BENCH_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION,
    topic: DEFAULT_TOPIC,
    cacheDir: defaultCacheDir(),
    progress: log,
    // A deleted topic's files go at once, dirty pages and all, rather than being written back during later runs.
    brokerProperties: { 'log.segment.delete.delay.ms': '0' },
  });
  for (const s of nodeStatuses(state)) if (s.pid !== undefined) pinProcess(s.pid, brokerCores);
  const passwords = readPasswords(state.dir);
  const credentialsFile = join(dir, 'admin.yaml');
  writeFileSync(credentialsFile, renderCredentials(state, passwords, 'admin'), { mode: 0o600 });
  const javaConfigFile = join(dir, 'client.properties');
  writeFileSync(
    javaConfigFile,
    [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${passwords.admin}";`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const connection = adminConnection(state, passwords);
  const admin = createKafka(connection).admin();
  await admin.connect();
  return {
    state,
    nodes,
    bootstrap: endpoints(state, 'SASL_PLAINTEXT'),
    credentialsFile,
    javaConfigFile,
    username: 'admin',
    password: passwords.admin,
    connection,
    admin,
    brokerCores,
    stop: async () => {
      await admin.disconnect();
      await down(state.dir, false);
    },
  };
}

/** A fresh topic with every leader elected; replication factor = number of nodes (min.insync.replicas 2 on 3). */
export async function createTopic(cluster: BenchCluster, topic: string, partitions: number): Promise<void> {
  // Right after another topic's deletion the admin's metadata can be stale (UNKNOWN_TOPIC_OR_PARTITION): ask again.
  for (let attempt = 1; ; attempt++) {
    try {
      await cluster.admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: cluster.nodes }], waitForLeaders: true });
      const [meta] = (await cluster.admin.fetchTopicMetadata({ topics: [topic] })).topics;
      if (meta && meta.partitions.length === partitions && meta.partitions.every((p) => p.leader >= 0)) return;
      throw new Error(`topic ${topic} has no leader for every partition yet`);
    } catch (err) {
      if (attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

export async function deleteTopics(cluster: BenchCluster, topics: string[]): Promise<void> {
  if (topics.length) await cluster.admin.deleteTopics({ topics }).catch(() => undefined);
}
