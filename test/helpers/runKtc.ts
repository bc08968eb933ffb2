import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './testCluster.js';
import { present } from '../../src/defined.js';

export interface KtcRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface KtcOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * The test runner's environment without what vitest adds: NODE_ENV=test makes kafkajs swap its retry timings for
 * its own test ones (faster, less random), and ktc must be tested with the timings its users get.
 */
function userEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.NODE_ENV === 'test') delete env.NODE_ENV;
  return env;
}

/** A ktc process, as a user starts it: the built bin/ktc.js, its own stdout and stderr. */
export class KtcProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<KtcRun>;

  constructor(args: string[], options: KtcOptions = {}) {
    this.child = spawn(process.execPath, [join(repoRoot, 'bin', 'ktc.js'), ...args], {
      cwd: repoRoot,
      env: { ...userEnvironment(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    present(this.child.stdout).on('data', (c: Buffer) => (this.stdout += c.toString()));
    present(this.child.stderr).on('data', (c: Buffer) => (this.stderr += c.toString()));
    present(this.child.stdin).end(options.input ?? '');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Resolves once stdout matches, e.g. "the consumer has logged 10 messages". */
  async waitForOutput(predicate: (stdout: string) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.stdout)) {
      if (Date.now() > deadline) throw new Error(`ktc output never matched; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      if (this.child.exitCode !== null) throw new Error(`ktc exited (${this.child.exitCode}) first; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export function runKtc(args: string[], options: KtcOptions = {}): Promise<KtcRun> {
  return new KtcProcess(args, options).done;
}

export interface ClientPyMessage {
  timestamp: number;
  _id: string;
  origin: string;
  content: string;
}

/** The JSON documents in "Message published/received ... message content: {...}" lines. */
export function loggedMessages(stdout: string, verb: 'published' | 'received'): ClientPyMessage[] {
  const marker = verb === 'published' ? 'Message published to topic=' : 'Message received: topic=';
  return stdout
    .split('\n')
    .filter((l) => l.includes(marker))
    .map((l) => JSON.parse(l.slice(l.indexOf('message content: ') + 'message content: '.length)) as ClientPyMessage);
}

/** stderr without ktc's progress notices (e.g. waiting for a slow group join): what is left are errors and warnings. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() !== '' && !/^ktc: waiting for consumer group /.test(line));
}
