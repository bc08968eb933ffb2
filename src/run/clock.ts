import { performance } from 'node:perf_hooks';

/** Time source of the send loop, injectable so tests can simulate stalls without waiting. */
export interface Clock {
  /** Wall-clock epoch microseconds from a monotonic source (never goes back within a process). */
  nowMicros(): number;
  sleep(ms: number): Promise<void>;
  /** CPU time this process has used (user + system, every thread), in microseconds. */
  cpuMicros(): number;
}

export const systemClock: Clock = {
  nowMicros: () => (performance.timeOrigin + performance.now()) * 1000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  cpuMicros: () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
};
