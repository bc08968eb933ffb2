import { setTimeout as sleep } from 'node:timers/promises';

/**
 * --start-at: waits until `atMs` so that workers started apart measure the
 * same window. Says once what it waits for; a moment already passed starts at
 * once and says by how much this worker is late. Ends early when `signal`
 * aborts (Ctrl+C during the wait).
 */
export async function waitUntil(atMs: number, signal: AbortSignal, notice: (text: string) => void, now: () => number = Date.now): Promise<void> {
  const ms = atMs - now();
  const when = new Date(atMs).toISOString();
  if (ms <= 0) {
    notice(`--start-at ${when} passed ${(-ms / 1000).toFixed(1)} s ago: starting now, later than the workers that waited for it`);
    return;
  }
  notice(`waiting until ${when} to start producing (--start-at), ${waitText(ms)} from now`);
  await sleep(ms, undefined, { signal }).catch((err: unknown) => {
    if (!signal.aborted) throw err;
  });
}

/** "42 s", "12 min 5 s", "3 h 2 min": enough to see the wait is the one meant. */
export function waitText(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
