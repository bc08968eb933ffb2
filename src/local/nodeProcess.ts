import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { KtcError } from '../errors.js';
import { lastLines } from './commands.js';
import { paths } from './layout.js';

export function jvmOptions(dir: string, node: number): string[] {
  return [
    '-Xms256m',
    '-Xmx1g',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:MaxInlineLevel=15',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${paths.log4j(dir)}`,
    `-Dkafka.logs.dir=${paths.nodeLogs(dir, node)}`,
  ];
}

/**
 * Starts one node as a detached java process that outlives ktc; its pid is
 * what `ktc local down` / `kill` later signal.
 */
export function spawnNode(dir: string, node: number, libsDir: string): number {
  mkdirSync(paths.nodeLogs(dir, node), { recursive: true });
  const out = openSync(paths.nodeStdout(dir, node), 'a');
  try {
    const child = spawn('java', [...jvmOptions(dir, node), '-cp', `${libsDir}/*`, 'kafka.Kafka', paths.nodeProperties(dir, node)], {
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.unref();
    if (child.pid === undefined) throw new KtcError(`could not start java for node ${node}`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A killed child of this very process lingers as a zombie until reaped: it is not alive.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export function nodeLogHint(dir: string, node: number): string {
  const server = `${paths.nodeLogs(dir, node)}/server.log`;
  const stdout = paths.nodeStdout(dir, node);
  const file = existsSync(server) ? server : stdout;
  let tail = '';
  try {
    const text = readFileSync(file, 'utf8');
    const errors = text.split('\n').filter((l) => /ERROR|Exception|FATAL/.test(l));
    tail = lastLines(errors.length ? errors.join('\n') : text, 1);
  } catch {
    // the log may not exist if java never started
  }
  return `see ${file}${tail ? ` (last error: ${tail.slice(0, 300)})` : ''}`;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * A Kafka 4 broker opens its client listeners only once it is registered,
 * unfenced and has loaded its ACLs, so an open client port means ready.
 */
export async function waitForPort(
  host: string,
  port: number,
  pid: number,
  deadline: number,
  describe: () => string,
  name = `the node on ${host}`,
): Promise<void> {
  while (Date.now() < deadline) {
    if (await canConnect(host, port)) return;
    if (!isAlive(pid)) throw new KtcError(`${name} exited while starting: ${describe()}`);
    await sleep(250);
  }
  throw new KtcError(`${name} did not open port ${port} in time: ${describe()}`);
}

export function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? `${host}:${port} is already in use by another process (see \`ss -ltnp\`): stop it, or start ktc local on other addresses with --address`
          : `cannot listen on ${host}:${port} (${err.code ?? err.message})`;
      reject(new KtcError(why));
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** SIGTERM (controlled shutdown), then SIGKILL whatever is still alive after the grace period. */
export async function stopProcesses(pids: number[], graceMs: number): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(isAlive)) await sleep(200);
  for (const pid of pids.filter(isAlive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
