import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface ResourceUsage {
  cpuSeconds: number;
  /** CPU time over wall time: 1.0 = one core fully busy. */
  cpuCores: number;
  peakRssMb: number;
  peakHeapMb: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

/**
 * Watches ktc itself while it runs: when the event loop is late or a core is
 * saturated, the figures describe the load generator, not the cluster.
 */
export class ResourceSampler {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly cpuStart = process.cpuUsage();
  private readonly wallStart = process.hrtime.bigint();
  private peakRss = 0;
  private peakHeap = 0;
  private timer: NodeJS.Timeout | undefined;
  private final: ResourceUsage | undefined;

  start(): this {
    this.loop.enable();
    this.sample();
    this.timer = setInterval(() => this.sample(), 500);
    this.timer.unref();
    return this;
  }

  private sample(): void {
    const m = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
  }

  /** Ends sampling; later calls return the same figures. */
  stop(): ResourceUsage {
    if (this.final) return this.final;
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.loop.disable();
    const cpu = process.cpuUsage(this.cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const wallSeconds = Number(process.hrtime.bigint() - this.wallStart) / 1e9;
    const count = this.loop.count;
    this.final = {
      cpuSeconds,
      cpuCores: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
      peakRssMb: this.peakRss / 2 ** 20,
      peakHeapMb: this.peakHeap / 2 ** 20,
      eventLoopDelayP99Ms: count ? this.loop.percentile(99) / 1e6 : 0,
      eventLoopDelayMaxMs: count ? this.loop.max / 1e6 : 0,
    };
    return this.final;
  }
}
