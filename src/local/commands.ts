import { spawn, spawnSync } from 'node:child_process';
import { KtcError } from '../errors.js';

export interface CommandResult {
  code: number;
  output: string; // stdout and stderr interleaved, for error messages
}

/** Runs a tool to completion, capturing its output; never throws on a non-zero exit. */
export function runCommand(cmd: string, args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
    child.stdin.end(options.input ?? '');
  });
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join(' | ');
}

/** Fails with a one-line install hint when a tool ktc local needs is missing. */
export function requireTool(cmd: string, versionArgs: string[], hint: string): string {
  const probe = spawnSync(cmd, versionArgs, { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new KtcError(`${cmd} was not found or does not run: ${hint}`);
  }
  return `${probe.stdout}${probe.stderr}`;
}

export function requireJava17(): void {
  const out = requireTool('java', ['-version'], 'install OpenJDK 17 or newer (apt-get install openjdk-17-jre-headless)');
  const match = /version "(\d+)(?:\.(\d+))?/.exec(out);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : 0;
  if (major < 17) {
    throw new KtcError(`Kafka 4 needs Java 17 or newer, found "${String(out.split('\n')[0])}": install OpenJDK 17 (apt-get install openjdk-17-jre-headless)`);
  }
}
