import { parse } from 'yaml';
import { UsageError } from '../errors.js';
import { SECURITY_PROTOCOLS, type SecurityProtocol } from './connection.js';

/**
 * What `juju run data-integrator/leader get-credentials` prints (and
 * `ktc local credentials`), reduced to the fields ktc uses.
 */
// `| undefined`: parseCredentials writes every key, absent ones as undefined.
export interface Credentials {
  endpoints?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  topic?: string | undefined;
  consumerGroupPrefix?: string | undefined;
  tls?: boolean | undefined;
  tlsCa?: string | undefined;
  securityProtocol?: SecurityProtocol | undefined;
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

function field(section: Record<string, unknown>, key: string, source: string): string | undefined {
  const value = section[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new UsageError(`${source}: "${key}" should be a string, found ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  return String(value);
}

/**
 * Parses the YAML. Accepts the whole `juju run` output (the "Running
 * operation..." preamble is skipped) or just the `kafka:` section's keys.
 */
export function parseCredentials(text: string, source: string): Credentials {
  const start = text.search(/^kafka:\s*$/m);
  let doc: unknown;
  try {
    doc = parse(start >= 0 ? text.slice(start) : text);
  } catch (err) {
    const line = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw new UsageError(`${source} is not valid YAML${line ? ` (line ${line})` : ''}: pass the output of \`juju run data-integrator/leader get-credentials\``);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new UsageError(`${source} holds no credentials: pass the output of \`juju run data-integrator/leader get-credentials\``);
  }
  const root = doc as Record<string, unknown>;
  const section = (typeof root.kafka === 'object' && root.kafka !== null ? root.kafka : root) as Record<string, unknown>;
  const protocol = field(section, 'security-protocol', source)?.toUpperCase();
  if (protocol !== undefined && !(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new UsageError(`${source}: security-protocol "${protocol}" is not one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  const tls = field(section, 'tls', source);
  const creds: Credentials = {
    endpoints: field(section, 'endpoints', source),
    username: field(section, 'username', source),
    password: field(section, 'password', source),
    topic: field(section, 'topic', source),
    consumerGroupPrefix: field(section, 'consumer-group-prefix', source),
    tls: tls === undefined ? undefined : tls.toLowerCase() === 'enabled' || tls.toLowerCase() === 'true',
    tlsCa: field(section, 'tls-ca', source),
    securityProtocol: protocol as SecurityProtocol | undefined,
    caFile: field(section, 'tls-ca-file', source),
    certFile: field(section, 'tls-cert-file', source),
    keyFile: field(section, 'tls-key-file', source),
  };
  if (!creds.endpoints) {
    throw new UsageError(`${source} has no "endpoints": pass the output of \`juju run data-integrator/leader get-credentials\``);
  }
  if (!creds.username && !creds.certFile) {
    throw new UsageError(`${source} has no "username": pass the output of \`juju run data-integrator/leader get-credentials\``);
  }
  return creds;
}
