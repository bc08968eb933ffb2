import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionConfig, SecurityProtocol } from '../../src/config/connection.js';
import { adminConnection, requireState } from '../../src/local/cluster.js';
import { readPasswords, type ClusterState } from '../../src/local/clusterState.js';
import { tlsFiles } from '../../src/local/certificates.js';
import { endpoints, paths } from '../../src/local/layout.js';
import { USER_NAMES, type Passwords, type SaslRole } from '../../src/local/users.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The cluster the integration tests share: 3 nodes on 127.0.2.1-3, away from a user's default cluster.
 * KTC_TEST_CLUSTER_ADDRESS moves it (e.g. 127.0.7.1), so two checkouts can run their tests side by side.
 */
export const TEST_CLUSTER = {
  dir: process.env.KTC_TEST_CLUSTER_DIR ?? join(repoRoot, '.ktc', 'test-cluster'),
  nodes: 3,
  firstAddress: process.env.KTC_TEST_CLUSTER_ADDRESS ?? '127.0.2.1',
} as const;

export interface TestCluster {
  state: ClusterState;
  passwords: Passwords;
  admin: ConnectionConfig;
  ca: string;
  clientCert: string;
  clientKey: string;
  files: ReturnType<typeof tlsFiles>;
}

export function testCluster(): TestCluster {
  const state = requireState(TEST_CLUSTER.dir);
  const passwords = readPasswords(TEST_CLUSTER.dir);
  const files = tlsFiles(paths.certs(state.dir));
  return {
    state,
    passwords,
    admin: adminConnection(state, passwords),
    ca: readFileSync(files.caFile, 'utf8'),
    clientCert: readFileSync(files.clientCert, 'utf8'),
    clientKey: readFileSync(files.clientKey, 'utf8'),
    files,
  };
}

/** A connection as one of the cluster's SASL users, over SASL_PLAINTEXT or SASL_SSL. */
export function saslConnection(
  cluster: TestCluster,
  role: SaslRole,
  protocol: Extract<SecurityProtocol, 'SASL_PLAINTEXT' | 'SASL_SSL'> = 'SASL_PLAINTEXT',
  password: string = cluster.passwords[role],
): ConnectionConfig {
  return {
    brokers: endpoints(cluster.state, protocol).split(','),
    securityProtocol: protocol,
    sasl: { mechanism: 'SCRAM-SHA-512', username: USER_NAMES[role], password },
    ...(protocol === 'SASL_SSL' ? { tls: { ca: cluster.ca, verifyHostname: true } } : {}),
    clientId: 'ktc-test',
    timeoutMs: 10_000,
  };
}

export function mtlsConnection(cluster: TestCluster, withCertificate = true): ConnectionConfig {
  return {
    brokers: endpoints(cluster.state, 'SSL').split(','),
    securityProtocol: 'SSL',
    tls: {
      ca: cluster.ca,
      verifyHostname: true,
      ...(withCertificate ? { cert: cluster.clientCert, key: cluster.clientKey } : {}),
    },
    clientId: 'ktc-test',
    timeoutMs: 10_000,
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
