import type { Argv } from 'yargs';
import { SECURITY_PROTOCOLS } from '../config/connection.js';
import { booleanSwitch, choice, count, directory, kafkaVersion, keyValue, loopbackAddress, numberChoice, topicName } from '../config/flagKinds.js';
import { readFlags, type FlagTable } from '../config/flagTable.js';
import { down, killNode, nodeStatuses, requireState, startNode, up } from '../local/cluster.js';
import { readPasswords } from '../local/clusterState.js';
import { renderCredentials } from '../local/credentials.js';
import {
  checkNodeAddresses,
  CLIENT_LISTENER_PORTS,
  DEFAULT_FIRST_ADDRESS,
  DEFAULT_KAFKA_VERSION,
  DEFAULT_TOPIC,
  defaultCacheDir,
  defaultClusterDir,
  endpoints,
  PORTS,
} from '../local/layout.js';
import { DEFAULT_MONGO_PORT, mongoPaths, mongoRunning, mongoUri } from '../local/mongoServer.js';
import { ROLES } from '../local/users.js';
import { declareFlags } from './yargsFlags.js';

const progress = (line: string) => process.stderr.write(`${line}\n`);

/** `up` creates the directory and writes in it; the other commands read what it holds. */
const dirSpec = (writable: boolean) =>
  ({
    kind: directory({ writable }),
    default: defaultClusterDir(),
    defaultDescription: '$KTC_LOCAL_DIR or ~/.local/state/ktc/local',
    describe: 'directory holding the cluster (config, data, certificates, logs)',
  }) as const;

/** Every flag of `ktc local <command>`, declared once like the client's (src/config/clientFlags.ts). */
export const LOCAL_FLAGS = {
  up: {
    dir: dirSpec(true),
    nodes: { kind: numberChoice([1, 3] as const), default: '1', describe: 'number of combined broker+controller nodes' },
    'kafka-version': { kind: kafkaVersion, default: DEFAULT_KAFKA_VERSION, describe: 'Apache Kafka 4.x version from Maven Central' },
    address: { kind: loopbackAddress, default: DEFAULT_FIRST_ADDRESS, describe: 'loopback address of node 1; node n uses the n-th address after it' },
    topic: { kind: topicName, default: DEFAULT_TOPIC, describe: 'the topic the relation users get ACLs on' },
    mongo: {
      kind: booleanSwitch,
      default: 'false',
      describe: 'also run a MongoDB-wire server (FerretDB with SQLite, built with Go on first use) for --mongo-uri',
    },
    'mongo-port': { kind: count(1, 65535), default: String(DEFAULT_MONGO_PORT), describe: 'port of the MongoDB-wire server, on the first address' },
    // For tests and experiments (e.g. connections.max.reauth.ms=10000), not a user-facing setting.
    'broker-config': { kind: keyValue, hidden: true, describe: 'extra server.properties setting key=value (repeatable)' },
  },
  down: {
    dir: dirSpec(false),
    'keep-data': { kind: booleanSwitch, default: 'false', describe: 'keep data, users and certificates for the next `up`' },
  },
  status: { dir: dirSpec(false) },
  credentials: {
    dir: dirSpec(false),
    role: { kind: choice(ROLES), default: 'client', describe: "client = producer+consumer (the tutorial's data-integrator)" },
    'security-protocol': {
      alias: 'x',
      kind: choice(SECURITY_PROTOCOLS),
      describe: 'listener to print endpoints for (default SASL_PLAINTEXT, SSL for mtls)',
    },
  },
  kill: { dir: dirSpec(false), node: { kind: count(1), positional: true, describe: 'the node to kill' } },
  start: { dir: dirSpec(false), node: { kind: count(1), positional: true, describe: 'the node to start' } },
} as const satisfies Record<string, FlagTable>;

export const LOCAL_FLAG_TABLES: readonly FlagTable[] = Object.values(LOCAL_FLAGS);

function printStatus(dir: string): void {
  const state = requireState(dir);
  const statuses = nodeStatuses(state);
  const running = statuses.filter((s) => s.running).length;
  const lines = [
    `Local Apache Kafka ${state.kafkaVersion} cluster in ${state.dir}: ${running} of ${state.nodes} node(s) running`,
    `  cluster id   ${state.clusterId}`,
    `  topic        ${state.topic}`,
    `  listeners    SASL_PLAINTEXT ${endpoints(state, 'SASL_PLAINTEXT')}`,
    `               SASL_SSL       ${endpoints(state, 'SASL_SSL')}`,
    `               SSL (mTLS)     ${endpoints(state, 'SSL')}`,
    `               internal :${PORTS.internal}, controller :${PORTS.controller}`,
    ...statuses.map(
      (s) => `  node ${s.node}       ${s.address}  ${s.running ? `running  pid ${String(s.pid)}` : 'stopped'}  log ${state.dir}/node-${s.node}/logs/server.log`,
    ),
    ...(state.mongo
      ? [
          `  mongodb      ${String(mongoUri(state))}  ${mongoRunning(state) ? `running  pid ${String(state.mongo.pid)}` : 'stopped'}  FerretDB (SQLite)  log ${mongoPaths.log(state.dir)}`,
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function localCommand(yargs: Argv): Argv {
  return yargs
    .usage(
      '$0 local <command>\n\nA Charmed-Kafka-like Apache Kafka 4 cluster on loopback, from Maven Central jars:\nSCRAM-SHA-512 on :9092 (SASL_PLAINTEXT) and :9093 (SASL_SSL), mTLS on :9094, ACLs enforced.',
    )
    .command(
      'up',
      'start the cluster (downloads Kafka jars on first use); succeeds if already running',
      (y) =>
        declareFlags(y, LOCAL_FLAGS.up)
          .example('$0 local up', 'one node on 127.0.0.1')
          .example('$0 local up --nodes 3', 'three nodes on 127.0.0.1-3, replication factor 3, min.insync.replicas 2')
          .example('$0 local up --mongo', 'and a MongoDB-wire server on 127.0.0.1:27017 for --mongo-uri and ktc verify'),
      async (argv) => {
        const flags = readFlags(LOCAL_FLAGS.up, argv);
        checkNodeAddresses(flags.address, flags.nodes);
        const result = await up({
          dir: flags.dir,
          nodes: flags.nodes,
          firstAddress: flags.address,
          kafkaVersion: flags.kafkaVersion,
          topic: flags.topic,
          cacheDir: defaultCacheDir(),
          progress,
          ...(flags.brokerConfig?.length ? { brokerProperties: Object.fromEntries(flags.brokerConfig) } : {}),
          ...(flags.mongo ? { mongoPort: flags.mongoPort } : {}),
        });
        if (result.alreadyRunning) progress(`Already running: nothing to do.`);
        else progress(`Ready in ${result.seconds.toFixed(1)} s.`);
        printStatus(flags.dir);
        process.stdout.write(`\nCredentials: ktc local credentials [--role client|producer|consumer|admin|mtls]\n`);
      },
    )
    .command(
      'down',
      'stop the nodes this directory started and delete their data',
      (y) => declareFlags(y, LOCAL_FLAGS.down),
      async (argv) => {
        const flags = readFlags(LOCAL_FLAGS.down, argv);
        const { found, stopped, wiped, mongoStopped } = await down(flags.dir, flags.keepData);
        if (!found) progress(`No local cluster in ${flags.dir}: nothing to stop.`);
        else progress(`Stopped ${stopped} node(s)${mongoStopped ? ' and FerretDB' : ''}${wiped ? `, removed the cluster in ${flags.dir}` : ', data kept'}.`);
      },
    )
    .command(
      'status',
      'show nodes, pids, listeners, version and data directory',
      (y) => declareFlags(y, LOCAL_FLAGS.status),
      (argv) => printStatus(readFlags(LOCAL_FLAGS.status, argv).dir),
    )
    .command(
      'credentials',
      'print credentials as `juju run data-integrator/leader get-credentials` does',
      (y) =>
        declareFlags(y, LOCAL_FLAGS.credentials)
          .example('$0 local credentials > creds.yaml && $0 --credentials creds.yaml --producer', 'produce with the client role')
          .example('$0 local credentials --role mtls', 'certificate files for the mTLS listener on :9094'),
      (argv) => {
        const flags = readFlags(LOCAL_FLAGS.credentials, argv);
        const state = requireState(flags.dir);
        process.stdout.write(renderCredentials(state, readPasswords(flags.dir), flags.role, flags.securityProtocol));
      },
    )
    .command(
      'kill <node>',
      'kill -9 one node (fault testing)',
      (y) => declareFlags(y, LOCAL_FLAGS.kill),
      async (argv) => {
        const flags = readFlags(LOCAL_FLAGS.kill, argv);
        const killed = await killNode(flags.dir, flags.node);
        progress(killed ? `Killed node ${flags.node}.` : `Node ${flags.node} was not running.`);
      },
    )
    .command(
      'start <node>',
      'start one stopped node again and wait until it serves clients',
      (y) => declareFlags(y, LOCAL_FLAGS.start),
      async (argv) => {
        const flags = readFlags(LOCAL_FLAGS.start, argv);
        const started = await startNode(flags.dir, flags.node, progress);
        progress(started ? `Node ${flags.node} is serving clients on :${CLIENT_LISTENER_PORTS.SASL_PLAINTEXT}.` : `Node ${flags.node} is already running.`);
      },
    )
    .demandCommand(1, 'name a local command: up, down, status, credentials, kill or start');
}
