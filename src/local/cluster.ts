import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ConnectionConfig } from '../config/connection.js';
import { KtcError, UsageError } from '../errors.js';
import { ensureCertificates, type TlsFiles } from './certificates.js';
import { applyAcls, waitForBrokers } from './clusterAdmin.js';
import { isOurNode, readPasswords, readState, writePasswords, writeState, type ClusterState } from './clusterState.js';
import { lastLines, requireJava17, runCommand } from './commands.js';
import { checkNodeAddresses, endpoints, nodeAddress, nodeIds, paths, PORTS, type ClusterLayout } from './layout.js';
import { resolveKafkaJars, type Progress } from './mavenJars.js';
import { mongoPaths, mongoRunning, prepareMongoServer, startMongoServer } from './mongoServer.js';
import { assertPortFree, nodeLogHint, spawnNode, stopProcesses, waitForPort } from './nodeProcess.js';
import { log4jProperties, serverProperties } from './serverProperties.js';
import { clusterAcls, generatePasswords, SASL_ROLES, USER_NAMES, type Passwords } from './users.js';
import { defined } from '../defined.js';

export interface UpOptions extends ClusterLayout {
  kafkaVersion: string;
  topic: string;
  cacheDir: string;
  progress: Progress;
  readyTimeoutMs?: number;
  /** Extra server.properties settings for every node, applied when the cluster is created. */
  brokerProperties?: Record<string, string>;
  /** --mongo: also run a MongoDB-wire server (FerretDB) on this port of the first address. */
  mongoPort?: number;
}

export interface UpResult {
  state: ClusterState;
  alreadyRunning: boolean;
  seconds: number;
}

export type NodeStatus = { node: number; address: string; pid?: number; running: boolean };

/** Kafka cluster ids are 16 random bytes in URL-safe base64; Kafka rejects ids that start with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function nodeStatuses(state: ClusterState): NodeStatus[] {
  return nodeIds(state).map((node) => {
    const pid = state.processes[String(node)]?.pid;
    const running = pid !== undefined && isOurNode(pid, paths.nodeProperties(state.dir, node));
    return { node, address: nodeAddress(state.firstAddress, node), running, ...(pid !== undefined ? { pid } : {}) };
  });
}

export function adminConnection(state: ClusterState, passwords: Passwords = readPasswords(state.dir)): ConnectionConfig {
  return {
    brokers: endpoints(state, 'SASL_PLAINTEXT').split(','),
    securityProtocol: 'SASL_PLAINTEXT',
    sasl: { mechanism: 'SCRAM-SHA-512', username: USER_NAMES.admin, password: passwords.admin },
    clientId: 'ktc-local',
    timeoutMs: 10_000,
  };
}

async function writeNodeConfigs(state: ClusterState, tls: TlsFiles, passwords: Passwords): Promise<void> {
  await writeFile(paths.log4j(state.dir), log4jProperties());
  for (const node of nodeIds(state)) {
    await mkdir(paths.nodeData(state.dir, node), { recursive: true });
    const props = serverProperties({
      layout: state,
      node,
      dataDir: paths.nodeData(state.dir, node),
      serverKeystore: tls.serverKeystore,
      caFile: tls.caFile,
      adminPassword: passwords.admin,
      ...(state.brokerProperties ? { extra: state.brokerProperties } : {}),
    });
    await writeFile(paths.nodeProperties(state.dir, node), props, { mode: 0o600 });
  }
}

async function formatStorage(state: ClusterState, passwords: Passwords): Promise<void> {
  const scram = SASL_ROLES.flatMap((role) => ['--add-scram', `SCRAM-SHA-512=[name=${USER_NAMES[role]},password=${passwords[role]}]`]);
  await Promise.all(
    nodeIds(state).map(async (node) => {
      const result = await runCommand('java', [
        '-cp',
        `${state.libsDir}/*`,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        state.clusterId,
        '-c',
        paths.nodeProperties(state.dir, node),
        ...scram,
      ]);
      if (result.code !== 0) {
        throw new KtcError(`formatting the storage of node ${node} failed: ${lastLines(result.output, 2)}`);
      }
    }),
  );
}

function checkCompatible(existing: ClusterState, opts: UpOptions): void {
  if (existing.nodes !== opts.nodes || existing.firstAddress !== opts.firstAddress) {
    throw new UsageError(
      `${opts.dir} holds a ${existing.nodes}-node cluster on ${existing.firstAddress}: run \`ktc local down --dir ${opts.dir}\` first, or use another --dir`,
    );
  }
  if (opts.brokerProperties && JSON.stringify(opts.brokerProperties) !== JSON.stringify(existing.brokerProperties ?? {})) {
    throw new UsageError(
      `${opts.dir} holds a cluster created with other broker settings: run \`ktc local down --dir ${opts.dir}\` first, or use another --dir`,
    );
  }
}

async function startNodes(state: ClusterState, which: number[], deadline: number, progress: Progress): Promise<void> {
  for (const node of which) {
    const address = nodeAddress(state.firstAddress, node);
    for (const port of [PORTS.saslPlaintext, PORTS.saslSsl, PORTS.ssl, PORTS.proxied, PORTS.internal, PORTS.controller]) {
      await assertPortFree(address, port);
    }
  }
  // Every voter must be up before any can elect a leader: start all, then wait.
  for (const node of which) {
    progress(`Starting node ${node} on ${nodeAddress(state.firstAddress, node)}...`);
    state.processes[String(node)] = { pid: spawnNode(state.dir, node, state.libsDir), startedAt: new Date().toISOString() };
  }
  await writeState(state);
  await Promise.all(
    which.map((node) =>
      waitForPort(nodeAddress(state.firstAddress, node), PORTS.saslPlaintext, defined(state.processes[String(node)]).pid, deadline, () =>
        nodeLogHint(state.dir, node),
      ),
    ),
  );
}

/**
 * Brings a local cluster up: reuses a running one, restarts a stopped one
 * from its kept data, or builds a fresh one (jars, certificates, users).
 */
export async function up(options: UpOptions): Promise<UpResult> {
  const opts = { ...options, dir: resolve(options.dir) };
  const started = Date.now();
  // Readiness is timed from when the processes start: downloading jars or building FerretDB comes first.
  const readyBy = () => Date.now() + (opts.readyTimeoutMs ?? 120_000);
  const existing = readState(opts.dir);
  // Programmatic callers (test and bench clusters) get the CLI's usage error too, before anything is downloaded or written.
  if (!existing) checkNodeAddresses(opts.firstAddress, opts.nodes);
  // A server added by an earlier `up --mongo` comes back with the cluster.
  const mongoPort = opts.mongoPort ?? existing?.mongo?.port;
  if (existing) {
    checkCompatible(existing, opts);
    const statuses = nodeStatuses(existing);
    if (statuses.every((s) => s.running)) {
      if (mongoPort === undefined || mongoRunning(existing)) return { state: existing, alreadyRunning: true, seconds: 0 };
      const binary = await prepareMongoServer(opts.cacheDir, opts.progress);
      await startMongoServer(existing, binary, mongoPort, opts.progress, readyBy());
      await writeState(existing);
      return { state: existing, alreadyRunning: false, seconds: (Date.now() - started) / 1000 };
    }
  }
  requireJava17();
  // Built (first use) before any node starts, so a missing Go toolchain fails with nothing left running.
  const mongoBinary = mongoPort !== undefined ? await prepareMongoServer(opts.cacheDir, opts.progress) : undefined;
  const libsDir = await resolveKafkaJars(existing?.kafkaVersion ?? opts.kafkaVersion, opts.cacheDir, opts.progress);
  let state: ClusterState;
  let passwords: Passwords;
  if (existing) {
    state = { ...existing, libsDir };
    passwords = readPasswords(opts.dir);
    opts.progress(`Restarting the stopped nodes of ${opts.dir} (data kept)`);
  } else {
    state = {
      dir: opts.dir,
      nodes: opts.nodes,
      firstAddress: opts.firstAddress,
      kafkaVersion: opts.kafkaVersion,
      clusterId: newClusterId(),
      topic: opts.topic,
      libsDir,
      createdAt: new Date().toISOString(),
      processes: {},
      ...(opts.brokerProperties && Object.keys(opts.brokerProperties).length ? { brokerProperties: opts.brokerProperties } : {}),
    };
    passwords = generatePasswords();
    await mkdir(opts.dir, { recursive: true });
    await writePasswords(opts.dir, passwords);
    opts.progress('Generating a CA, a server certificate and a client certificate...');
    const addresses = nodeIds(state).map((n) => nodeAddress(state.firstAddress, n));
    const tls = await ensureCertificates(paths.certs(opts.dir), addresses, USER_NAMES.mtls);
    await writeNodeConfigs(state, tls, passwords);
    opts.progress(`Formatting KRaft storage for ${state.nodes} node(s)...`);
    await formatStorage(state, passwords);
    await writeState(state);
  }
  const stopped = nodeStatuses(state)
    .filter((s) => !s.running)
    .map((s) => s.node);
  const deadline = readyBy();
  await startNodes(state, stopped, deadline, opts.progress);
  const admin = adminConnection(state, passwords);
  if (state.nodes > 1) await waitForBrokers(admin, state.nodes, deadline);
  await applyAcls(admin, clusterAcls(state.topic));
  if (mongoBinary !== undefined && mongoPort !== undefined) {
    await startMongoServer(state, mongoBinary, mongoPort, opts.progress, deadline);
    await writeState(state);
  }
  return { state, alreadyRunning: false, seconds: (Date.now() - started) / 1000 };
}

/** Stops the nodes this directory started (by pid) and, unless keepData, removes what `up` created. */
export async function down(dir: string, keepData: boolean): Promise<{ found: boolean; stopped: number; wiped: boolean; mongoStopped: boolean }> {
  const state = readState(dir);
  if (!state) return { found: false, stopped: 0, wiped: false, mongoStopped: false };
  const running = nodeStatuses(state).filter((s) => s.running && s.pid !== undefined);
  const mongoPid = mongoRunning(state) ? state.mongo?.pid : undefined;
  await stopProcesses([...running.map((s) => defined(s.pid)), ...(mongoPid !== undefined ? [mongoPid] : [])], 20_000);
  if (keepData) {
    await writeState({ ...state, processes: {}, ...(state.mongo ? { mongo: { port: state.mongo.port } } : {}) });
    return { found: true, stopped: running.length, wiped: false, mongoStopped: mongoPid !== undefined };
  }
  await rm(mongoPaths.home(dir), { recursive: true, force: true });
  // Only what ktc created: --dir may point at a folder that also holds the user's files.
  for (const node of nodeIds(state)) await rm(paths.node(dir, node), { recursive: true, force: true });
  for (const file of [paths.certs(dir), paths.log4j(dir), paths.secrets(dir), paths.state(dir)]) {
    await rm(file, { recursive: true, force: true });
  }
  if (existsSync(dir) && (await readdir(dir)).length === 0) await rmdir(dir);
  return { found: true, stopped: running.length, wiped: true, mongoStopped: mongoPid !== undefined };
}

export function requireState(dir: string): ClusterState {
  const state = readState(dir);
  if (!state) throw new KtcError(`no local cluster in ${dir}: run \`ktc local up\` first`);
  return state;
}

function requireNode(state: ClusterState, node: number): void {
  if (!Number.isInteger(node) || node < 1 || node > state.nodes) {
    throw new UsageError(`node ${node} does not exist: this cluster has nodes 1..${state.nodes}`);
  }
}

/** kill -9 of one node, for fault tests: no controlled shutdown. */
export async function killNode(dir: string, node: number): Promise<boolean> {
  const state = requireState(dir);
  requireNode(state, node);
  const status = defined(nodeStatuses(state).find((s) => s.node === node));
  if (!status.running || status.pid === undefined) return false;
  process.kill(status.pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && isOurNode(status.pid, paths.nodeProperties(dir, node))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

export async function startNode(dir: string, node: number, progress: Progress, timeoutMs = 90_000): Promise<boolean> {
  const state = requireState(dir);
  requireNode(state, node);
  const status = defined(nodeStatuses(state).find((s) => s.node === node));
  if (status.running) return false;
  await startNodes(state, [node], Date.now() + timeoutMs, progress);
  return true;
}
