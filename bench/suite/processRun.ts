import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseGnuTime, tail, type GnuTime } from './toolOutput.js';

export interface Measured extends GnuTime {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** CPU the client is confined to (taskset -c); the brokers have the other ones. */
  core: number;
  /** Where GNU time writes its line. */
  scratchDir: string;
  /** The run is killed (its whole process group) after this long. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** Process groups of the clients running now, so an interrupted bench ends them too. */
const running = new Set<number>();

/** Kills every client process group still running (the bench was interrupted). */
export function killRunning(): void {
  for (const pgid of running) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

/** Checks the two tools every measurement depends on, with the fix in the message. */
export function checkTools(): void {
  if (spawnSync('taskset', ['-V']).status !== 0) throw new Error('taskset is needed to pin broker and clients to different cores: apt-get install util-linux');
  if (spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status !== 0)
    throw new Error('GNU time (/usr/bin/time) is needed to measure client CPU and peak RSS: apt-get install time');
}

/** Pins every thread of a running process (a broker) to the given cores. */
export function pinProcess(pid: number, cores: string): void {
  const r = spawnSync('taskset', ['-a', '-cp', cores, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset could not pin pid ${pid} to cores ${cores}: ${r.stderr.trim()}`);
}

/**
 * Runs one client process pinned to one core under GNU time: its own CPU
 * seconds (user + system, every thread) and peak RSS, nothing of the broker's.
 */
export function measure(cmd: string, args: string[], options: RunOptions): Promise<Measured> {
  const timeFile = join(options.scratchDir, `time-${process.pid}-${Date.now()}.txt`);
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', String(options.core), '/usr/bin/time', '-o', timeFile, '-f', '%U %S %M %e', cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout ends the JVM or Node it started too
      env: options.env ?? process.env,
    });
    if (child.pid !== undefined) running.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (child.pid !== undefined) running.delete(child.pid);
      if (signal) return reject(new Error(`${cmd} ended by ${signal} (timeout ${options.timeoutMs / 1000} s?): ${tail(stderr || stdout)}`));
      try {
        const time = parseGnuTime(readFileSync(timeFile, 'utf8'));
        rmSync(timeFile, { force: true });
        resolve({ ...time, stdout, stderr, code: code ?? 1 });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}
