import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { SecurityProtocol } from '../config/connection.js';
import { UsageError } from '../errors.js';
import { tlsFiles } from './certificates.js';
import type { ClusterState } from './clusterState.js';
import { endpoints, paths, type ClientListener } from './layout.js';
import { mongoUri } from './mongoServer.js';
import { consumerGroupPrefix, USER_NAMES, type Passwords, type Role } from './users.js';

export function defaultProtocol(role: Role): ClientListener {
  return role === 'mtls' ? 'SSL' : 'SASL_PLAINTEXT';
}

/**
 * The credentials of one role in the shape `juju run data-integrator/leader
 * get-credentials` prints, so the same `--credentials` file works against
 * Charmed Kafka and against `ktc local`. Beyond the charm's keys it adds
 * `security-protocol` and the paths of the TLS files, which ktc also reads.
 */
export function renderCredentials(state: ClusterState, passwords: Passwords, role: Role, protocol: SecurityProtocol = defaultProtocol(role)): string {
  if (protocol === 'PLAINTEXT') {
    throw new UsageError('ktc local has no PLAINTEXT listener (Charmed Kafka has none either): use SASL_PLAINTEXT, SASL_SSL or SSL');
  }
  if (role === 'mtls' && protocol !== 'SSL') {
    throw new UsageError('the mtls role authenticates with its certificate: use --security-protocol SSL');
  }
  if (role !== 'mtls' && protocol === 'SSL') {
    throw new UsageError(`the SSL listener takes certificates, not passwords: use --role mtls (or SASL_SSL for ${role})`);
  }
  const user = USER_NAMES[role];
  const tls = protocol !== 'SASL_PLAINTEXT';
  const files = tlsFiles(paths.certs(state.dir));
  const kafka: Record<string, string> = {
    'consumer-group-prefix': consumerGroupPrefix(user),
    endpoints: endpoints(state, protocol),
    ...(role === 'mtls' ? {} : { password: passwords[role] }),
    resource: state.topic,
    'security-protocol': protocol,
    tls: tls ? 'enabled' : 'disabled',
    ...(tls ? { 'tls-ca': readFileSync(files.caFile, 'utf8').trimEnd(), 'tls-ca-file': files.caFile } : {}),
    ...(role === 'mtls' ? { 'tls-cert-file': files.clientCert, 'tls-key-file': files.clientKey } : {}),
    topic: state.topic,
    username: user,
    version: 'v0',
  };
  // Beside the kafka section, as a second relation's credentials would be: ktc never reads it from --credentials.
  const mongo = mongoUri(state);
  return stringify({ kafka, ...(mongo ? { 'mongo-uri': mongo } : {}), ok: 'True' }, { lineWidth: 0, defaultStringType: 'PLAIN' });
}
