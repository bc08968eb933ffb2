/**
 * Every measured run starts with the disk quiet. A producer run writes GBs
 * into the page cache; the kernel writes them back while the next run goes,
 * and throttles the broker's writes when they pile up. In one run of the
 * bench, ktc followed the limit's two replays in four rounds of five and made
 * 60-65 % of the replay there, 110 % in the round it ran first. So before
 * each run the deleted topics' files must be gone (their pages are then
 * dropped, not written) and the rest is flushed.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { paths } from '../../src/local/layout.js';

const DELETE_WAIT_MS = 30_000;

/** Dirty page-cache bytes waiting for write-back, from /proc/meminfo's text (0 when it has no Dirty line). */
export function dirtyBytes(meminfo: string): number {
  const match = /^Dirty:\s+(\d+) kB$/m.exec(meminfo);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Log directories a deleted topic left, which the broker removes after log.segment.delete.delay.ms. */
export function pendingDeletes(entries: readonly string[]): string[] {
  return entries.filter((e) => e.endsWith('-delete'));
}

function pendingIn(clusterDir: string, nodes: number): number {
  let n = 0;
  for (let node = 1; node <= nodes; node++) {
    const data = paths.nodeData(clusterDir, node);
    if (existsSync(data)) n += pendingDeletes(readdirSync(data)).length;
  }
  return n;
}

const meminfo = (): string => (existsSync('/proc/meminfo') ? readFileSync('/proc/meminfo', 'utf8') : '');

/** Waits for deleted topics' files to go, then flushes what is dirty; says what it flushed and how long it took. */
export async function settleDisk(clusterDir: string, nodes: number): Promise<{ flushedBytes: number; seconds: number }> {
  const started = Date.now();
  while (pendingIn(clusterDir, nodes) > 0 && Date.now() - started < DELETE_WAIT_MS) await new Promise((resolve) => setTimeout(resolve, 200));
  const flushedBytes = dirtyBytes(meminfo());
  await promisify(execFile)('sync');
  return { flushedBytes, seconds: (Date.now() - started) / 1000 };
}
