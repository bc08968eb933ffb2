import { homedir } from 'node:os';
import { join } from 'node:path';
import { defined } from '../defined.js';
import { UsageError } from '../errors.js';

/**
 * Where a local cluster lives and which addresses it binds. Node n listens on
 * the n-th address from `firstAddress` (127.0.0.1, 127.0.0.2, ...) with the
 * same ports on every node, as Charmed Kafka units do on their own machines.
 */
export const PORTS = {
  saslPlaintext: 9092,
  saslSsl: 9093,
  ssl: 9094,
  internal: 19092,
  controller: 19093,
  /** SASL_PLAINTEXT like 9092, but advertised on `proxiedAdvertised`: see PROXIED_LISTENER below. */
  proxied: 9095,
  /** Nothing of ktc binds this port: a test's fault proxy listens there and forwards to `proxied`. */
  proxiedAdvertised: 9096,
} as const;

/**
 * The listener that lets a test put a proxy between a client and every broker.
 * Clients learn broker addresses from metadata, so a proxy in front of the
 * bootstrap address alone is bypassed after the first request. A client that
 * bootstraps from `<node>:9096` (the proxy) reaches this listener on
 * `<node>:9095`, whose metadata names `<node>:9096` for every broker: all of
 * that client's connections then go through the proxy. Same SCRAM users and
 * ACLs as 9092; with no proxy running, 9096 refuses connections and nothing
 * else notices (metadata is per listener, so 9092 clients still see 9092).
 */
export const PROXIED_LISTENER = 'PROXIED';

export type ClientListener = 'SASL_PLAINTEXT' | 'SASL_SSL' | 'SSL';

export const CLIENT_LISTENER_PORTS: Record<ClientListener, number> = {
  SASL_PLAINTEXT: PORTS.saslPlaintext,
  SASL_SSL: PORTS.saslSsl,
  SSL: PORTS.ssl,
};

export const DEFAULT_KAFKA_VERSION = '4.1.2';
export const DEFAULT_TOPIC = 'test-topic';
export const DEFAULT_FIRST_ADDRESS = '127.0.0.1';

export interface ClusterLayout {
  dir: string;
  nodes: number;
  firstAddress: string;
}

export function defaultClusterDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KTC_LOCAL_DIR) return env.KTC_LOCAL_DIR;
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'ktc', 'local');
}

/** Jars are shared by every cluster on the machine: they only depend on the Kafka version. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KTC_CACHE_DIR) return env.KTC_CACHE_DIR;
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'ktc');
}

/** The highest last octet a loopback node address may have (.255 is the broadcast address). */
export const LAST_NODE_OCTET = 254;

/**
 * Node n listens on the n-th loopback address from --address: refuses a first address that is not loopback or
 * leaves no address for the last node, as a usage error naming --address (before anything is written).
 */
export function checkNodeAddresses(firstAddress: string, nodes: number): void {
  const octets = firstAddress.split('.');
  const numbers = octets.map((o) => (/^\d{1,3}$/.test(o) ? Number(o) : NaN));
  const [first, , , last] = numbers;
  if (numbers.length !== 4 || numbers.some((n) => !(n <= 255)) || first !== 127 || last === undefined || last < 1) {
    throw new UsageError(`--address ${firstAddress} is not a loopback address 127.x.y.z (e.g. 127.0.0.1)`);
  }
  if (last + nodes - 1 > LAST_NODE_OCTET) {
    throw new UsageError(
      `--address ${firstAddress} leaves no room for ${nodes} nodes: node n uses the n-th address after it, up to 127.x.y.${LAST_NODE_OCTET}`,
    );
  }
}

export function nodeAddress(firstAddress: string, node: number): string {
  checkNodeAddresses(firstAddress, node);
  const octets = firstAddress.split('.').map(Number);
  return [octets[0], octets[1], octets[2], defined(octets[3]) + node - 1].join('.');
}

export function nodeIds(layout: Pick<ClusterLayout, 'nodes'>): number[] {
  return Array.from({ length: layout.nodes }, (_, i) => i + 1);
}

export function endpoints(layout: ClusterLayout, listener: ClientListener): string {
  return nodeIds(layout)
    .map((n) => `${nodeAddress(layout.firstAddress, n)}:${CLIENT_LISTENER_PORTS[listener]}`)
    .join(',');
}

export const paths = {
  state: (dir: string) => join(dir, 'state.json'),
  secrets: (dir: string) => join(dir, 'secrets.json'),
  certs: (dir: string) => join(dir, 'certs'),
  node: (dir: string, n: number) => join(dir, `node-${n}`),
  nodeData: (dir: string, n: number) => join(dir, `node-${n}`, 'data'),
  nodeLogs: (dir: string, n: number) => join(dir, `node-${n}`, 'logs'),
  nodeProperties: (dir: string, n: number) => join(dir, `node-${n}`, 'server.properties'),
  nodeStdout: (dir: string, n: number) => join(dir, `node-${n}`, 'logs', 'stdout.log'),
  log4j: (dir: string) => join(dir, 'log4j2.properties'),
};
