import { describe, expect, it } from 'vitest';
import { TimelineRecorder } from '../../../src/run/timeline.js';
import { LatencyHistogram } from '../../../src/stats/latencyHistogram.js';

describe('timeline', () => {
  it('reports the p99 of the values recorded between two samples, not since the start', () => {
    const live = new LatencyHistogram();
    const timeline = new TimelineRecorder();
    try {
      for (let i = 1; i <= 1000; i++) live.record(i);
      timeline.sample({ seconds: 1, produced: 1000, producerLatency: live });
      // The second second is a hundred times slower, and its values reach past the first histogram's range.
      for (let i = 1; i <= 1000; i++) live.record(100_000 + i * 100);
      timeline.sample({ seconds: 2, produced: 2000, producerLatency: live });
      timeline.sample({ seconds: 3, produced: 2000, producerLatency: live });
      const expected = new LatencyHistogram();
      for (let i = 1; i <= 1000; i++) expected.record(100_000 + i * 100);
      expect(timeline.samples).toEqual([
        { seconds: 1, produced: 1000, producerP99Micros: 990 },
        { seconds: 2, produced: 2000, producerP99Micros: expected.percentile(99) },
        { seconds: 3, produced: 2000 },
      ]);
      expected.destroy();
    } finally {
      timeline.destroy();
      live.destroy();
    }
  });
});
