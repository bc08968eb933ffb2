import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { KtcError } from '../errors.js';
import { paths, type ClusterLayout } from './layout.js';
import type { MongoServerState } from './mongoServer.js';
import type { Passwords } from './users.js';

export interface NodeProcess {
  pid: number;
  startedAt: string;
}

/** What `ktc local` remembers about a cluster directory between commands. */
export interface ClusterState extends ClusterLayout {
  kafkaVersion: string;
  clusterId: string;
  topic: string;
  libsDir: string;
  createdAt: string;
  processes: Record<string, NodeProcess>;
  /** Extra broker properties the cluster was created with (`up`'s brokerProperties). */
  brokerProperties?: Record<string, string>;
  /** The MongoDB-wire server (FerretDB) `up --mongo` added; `up` restarts it with the nodes. */
  mongo?: MongoServerState;
}

export function readState(dir: string): ClusterState | undefined {
  const file = paths.state(dir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
  } catch {
    throw new KtcError(`${file} is not valid JSON: run \`ktc local down --dir ${dir}\` to reset this local cluster`);
  }
}

export async function writeState(state: ClusterState): Promise<void> {
  await writeFile(paths.state(state.dir), `${JSON.stringify(state, null, 2)}\n`);
}

export function readPasswords(dir: string): Passwords {
  const file = paths.secrets(dir);
  if (!existsSync(file)) throw new KtcError(`no local cluster in ${dir}: run \`ktc local up\` first`);
  return JSON.parse(readFileSync(file, 'utf8')) as Passwords;
}

export async function writePasswords(dir: string, passwords: Passwords): Promise<void> {
  await writeFile(paths.secrets(dir), `${JSON.stringify(passwords, null, 2)}\n`, { mode: 0o600 });
}

/**
 * True when pid is alive and is the java process started for this node. The
 * command-line check keeps `down` from signalling an unrelated process that
 * reused the pid after a reboot.
 */
export function isOurNode(pid: number, propertiesFile: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(propertiesFile);
  } catch {
    return process.platform !== 'linux';
  }
}
