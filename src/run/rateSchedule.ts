/**
 * Open-loop pacing: message k is due at start + k / rate, whatever happened
 * to earlier messages. Latency is measured from this scheduled time, so a
 * stalled broker shows up in the percentiles instead of silently slowing the
 * sender down (no coordinated omission).
 */
export class RateSchedule {
  private readonly intervalMicros: number;

  constructor(
    readonly messagesPerSecond: number,
    readonly startMicros: number,
  ) {
    if (!(messagesPerSecond > 0)) throw new RangeError('a rate schedule needs a positive rate');
    this.intervalMicros = 1_000_000 / messagesPerSecond;
  }

  scheduledAt(k: number): number {
    return this.startMicros + k * this.intervalMicros;
  }

  /** How many messages (0..k) are due at time `now`. */
  dueBy(nowMicros: number): number {
    if (nowMicros < this.startMicros) return 0;
    return Math.floor((nowMicros - this.startMicros) / this.intervalMicros) + 1;
  }

  /** Microseconds from `now` until message k is due (0 if already due). */
  waitFor(k: number, nowMicros: number): number {
    return Math.max(0, this.scheduledAt(k) - nowMicros);
  }
}
