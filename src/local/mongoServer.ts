import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KtcError } from '../errors.js';
import { isOurNode, type ClusterState } from './clusterState.js';
import { lastLines } from './commands.js';
import { FERRETDB_VERSION, resolveFerretDb } from './ferretdbBuild.js';
import type { Progress } from './mavenJars.js';
import { assertPortFree, waitForPort } from './nodeProcess.js';

/** MongoDB's own port; the server binds the cluster's first address, as node 1 does. */
export const DEFAULT_MONGO_PORT = 27017;

/** What `ktc local` remembers about its MongoDB-wire server (in state.json, beside the Kafka nodes). */
export interface MongoServerState {
  port: number;
  pid?: number;
  startedAt?: string;
}

export const mongoPaths = {
  home: (dir: string) => join(dir, 'mongo'),
  /** One SQLite file per database. */
  data: (dir: string) => join(dir, 'mongo', 'data'),
  log: (dir: string) => join(dir, 'mongo', 'ferretdb.log'),
};

export function mongoUri(state: ClusterState): string | undefined {
  return state.mongo ? `mongodb://${state.firstAddress}:${state.mongo.port}/` : undefined;
}

/** True when the recorded pid is alive and is the server started for this directory (not a reused pid). */
export function mongoRunning(state: ClusterState): boolean {
  const pid = state.mongo?.pid;
  return pid !== undefined && isOurNode(pid, mongoPaths.data(state.dir));
}

function logHint(dir: string): string {
  const file = mongoPaths.log(dir);
  let tail = '';
  try {
    tail = lastLines(readFileSync(file, 'utf8'), 1).slice(0, 300);
  } catch {
    // no log yet: the binary never started
  }
  return `see ${file}${tail ? ` (last line: ${tail})` : ''}`;
}

/** Builds (first use) and fetches nothing else: call before starting Kafka so a missing Go fails fast. */
export function prepareMongoServer(cacheDir: string, progress: Progress): Promise<string> {
  return resolveFerretDb(cacheDir, progress);
}

/**
 * Starts FerretDB for this cluster directory on `<first address>:<port>` unless it already runs, and records
 * it in the state (the caller writes the state). Returns whether it started one.
 */
export async function startMongoServer(state: ClusterState, binary: string, port: number, progress: Progress, deadline: number): Promise<boolean> {
  if (state.mongo && state.mongo.port !== port) {
    throw new KtcError(`${state.dir} serves MongoDB on port ${state.mongo.port}: run \`ktc local down --dir ${state.dir}\` first to change it`);
  }
  if (mongoRunning(state)) return false;
  const address = state.firstAddress;
  await assertPortFree(address, port);
  mkdirSync(mongoPaths.data(state.dir), { recursive: true });
  progress(`Starting FerretDB ${FERRETDB_VERSION} (MongoDB wire protocol, SQLite) on ${address}:${port}...`);
  const out = openSync(mongoPaths.log(state.dir), 'a');
  let pid: number | undefined;
  try {
    const child = spawn(binary, ['-listen', `${address}:${port}`, '-data', mongoPaths.data(state.dir)], { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(out);
  }
  if (pid === undefined) throw new KtcError(`could not start ${binary}: ${logHint(state.dir)}`);
  state.mongo = { port, pid, startedAt: new Date().toISOString() };
  await waitForPort(address, port, pid, deadline, () => logHint(state.dir), `FerretDB on ${address}`);
  return true;
}

export function mongoDataExists(dir: string): boolean {
  return existsSync(mongoPaths.home(dir));
}
