/**
 * Broker quota throttling (KIP-219) as the responses reported it: how often
 * and for how long. Java's clients expose the same as the
 * produce-throttle-time / fetch-throttle-time metrics.
 */
export class ThrottleStats {
  count = 0;
  totalMs = 0;
  maxMs = 0;

  add(ms: number): void {
    this.count++;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  snapshot(): { count: number; totalMs: number; maxMs: number } {
    return { count: this.count, totalMs: this.totalMs, maxMs: this.maxMs };
  }
}

/**
 * Every wire connection of this thread adds to this one, so the run summary
 * can read one total without reaching into connection pools. Worker threads
 * have their own and must post it back with their results.
 */
export const wireThrottle = new ThrottleStats();
