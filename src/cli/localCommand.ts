import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { SECURITY_PROTOCOLS, type SecurityProtocol } from '../config/connection.js';
import { down, killNode, nodeStatuses, requireState, startNode, up } from '../local/cluster.js';
import { readPasswords } from '../local/clusterState.js';
import { renderCredentials } from '../local/credentials.js';
import {
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
import { parseBrokerConfig } from '../local/serverProperties.js';
import { ROLES, type Role } from '../local/users.js';

const progress = (line: string) => process.stderr.write(`${line}\n`);

interface DirArgs {
  dir: string;
}

function withDir<T>(y: Argv<T>): Argv<T & DirArgs> {
  return y.option('dir', {
    type: 'string',
    default: defaultClusterDir(),
    defaultDescription: '$KTC_LOCAL_DIR or ~/.local/state/ktc/local',
    describe: 'directory holding the cluster (config, data, certificates, logs)',
    coerce: (dir: string) => resolve(dir),
  }) as Argv<T & DirArgs>;
}

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
      (s) => `  node ${s.node}       ${s.address}  ${s.running ? `running  pid ${s.pid}` : 'stopped'}  log ${state.dir}/node-${s.node}/logs/server.log`,
    ),
    ...(state.mongo
      ? [`  mongodb      ${mongoUri(state)}  ${mongoRunning(state) ? `running  pid ${state.mongo.pid}` : 'stopped'}  FerretDB (SQLite)  log ${mongoPaths.log(state.dir)}`]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function localCommand(yargs: Argv): Argv {
  return yargs
    .usage('$0 local <command>\n\nA Charmed-Kafka-like Apache Kafka 4 cluster on loopback, from Maven Central jars:\nSCRAM-SHA-512 on :9092 (SASL_PLAINTEXT) and :9093 (SASL_SSL), mTLS on :9094, ACLs enforced.')
    .command(
      'up',
      'start the cluster (downloads Kafka jars on first use); succeeds if already running',
      (y) =>
        withDir(y)
          .option('nodes', { type: 'number', choices: [1, 3], default: 1, describe: 'number of combined broker+controller nodes' })
          .option('kafka-version', { type: 'string', default: DEFAULT_KAFKA_VERSION, describe: 'Apache Kafka 4.x version from Maven Central' })
          .option('address', { type: 'string', default: DEFAULT_FIRST_ADDRESS, describe: 'loopback address of node 1; node n uses the n-th address after it' })
          .option('topic', { type: 'string', default: DEFAULT_TOPIC, describe: 'the topic the relation users get ACLs on' })
          .option('mongo', { type: 'boolean', default: false, describe: 'also run a MongoDB-wire server (FerretDB with SQLite, built with Go on first use) for --mongo-uri' })
          .option('mongo-port', { type: 'number', default: DEFAULT_MONGO_PORT, describe: 'port of the MongoDB-wire server, on the first address' })
          // For tests and experiments (e.g. connections.max.reauth.ms=10000), not a user-facing setting.
          .option('broker-config', { type: 'string', array: true, hidden: true, describe: 'extra server.properties setting key=value (repeatable)' })
          .example('$0 local up', 'one node on 127.0.0.1')
          .example('$0 local up --nodes 3', 'three nodes on 127.0.0.1-3, replication factor 3, min.insync.replicas 2')
          .example('$0 local up --mongo', 'and a MongoDB-wire server on 127.0.0.1:27017 for --mongo-uri and ktc verify'),
      async (argv) => {
        const result = await up({
          dir: argv.dir,
          nodes: argv.nodes,
          firstAddress: argv.address,
          kafkaVersion: argv['kafka-version'],
          topic: argv.topic,
          cacheDir: defaultCacheDir(),
          progress,
          ...(argv['broker-config']?.length ? { brokerProperties: parseBrokerConfig(argv['broker-config']) } : {}),
          ...(argv.mongo ? { mongoPort: argv['mongo-port'] } : {}),
        });
        if (result.alreadyRunning) progress(`Already running: nothing to do.`);
        else progress(`Ready in ${result.seconds.toFixed(1)} s.`);
        printStatus(argv.dir);
        process.stdout.write(`\nCredentials: ktc local credentials [--role client|producer|consumer|admin|mtls]\n`);
      },
    )
    .command(
      'down',
      'stop the nodes this directory started and delete their data',
      (y) => withDir(y).option('keep-data', { type: 'boolean', default: false, describe: 'keep data, users and certificates for the next `up`' }),
      async (argv) => {
        const { found, stopped, wiped, mongoStopped } = await down(argv.dir, argv['keep-data']);
        if (!found) progress(`No local cluster in ${argv.dir}: nothing to stop.`);
        else progress(`Stopped ${stopped} node(s)${mongoStopped ? ' and FerretDB' : ''}${wiped ? `, removed the cluster in ${argv.dir}` : ', data kept'}.`);
      },
    )
    .command('status', 'show nodes, pids, listeners, version and data directory', withDir, (argv) => printStatus(argv.dir))
    .command(
      'credentials',
      'print credentials as `juju run data-integrator/leader get-credentials` does',
      (y) =>
        withDir(y)
          .option('role', { type: 'string', choices: ROLES, default: 'client', describe: 'client = producer+consumer (the tutorial\'s data-integrator)' })
          .option('security-protocol', { alias: 'x', type: 'string', choices: SECURITY_PROTOCOLS, describe: 'listener to print endpoints for (default SASL_PLAINTEXT, SSL for mtls)' })
          .example('$0 local credentials > creds.yaml && $0 --credentials creds.yaml --producer', 'produce with the client role')
          .example('$0 local credentials --role mtls', 'certificate files for the mTLS listener on :9094'),
      (argv) => {
        const state = requireState(argv.dir);
        const role = argv.role as Role;
        const protocol = argv['security-protocol'] as SecurityProtocol | undefined;
        process.stdout.write(renderCredentials(state, readPasswords(argv.dir), role, protocol));
      },
    )
    .command(
      'kill <node>',
      'kill -9 one node (fault testing)',
      (y) => withDir(y).positional('node', { type: 'number', demandOption: true }),
      async (argv) => {
        const killed = await killNode(argv.dir, argv.node);
        progress(killed ? `Killed node ${argv.node}.` : `Node ${argv.node} was not running.`);
      },
    )
    .command(
      'start <node>',
      'start one stopped node again and wait until it serves clients',
      (y) => withDir(y).positional('node', { type: 'number', demandOption: true }),
      async (argv) => {
        const started = await startNode(argv.dir, argv.node, progress);
        progress(started ? `Node ${argv.node} is serving clients on :${CLIENT_LISTENER_PORTS.SASL_PLAINTEXT}.` : `Node ${argv.node} is already running.`);
      },
    )
    .demandCommand(1, 'name a local command: up, down, status, credentials, kill or start');
}

