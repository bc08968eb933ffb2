import { describe, expect, it } from 'vitest';
import { defaultBatchSize, defaultMaxInFlight, defaultPartitionsPerSend } from '../../../src/config/producerDefaults.js';

describe('producer defaults', () => {
  it('sends 1 MiB worth of messages once there are 4 partitions or more', () => {
    expect(defaultBatchSize(100, 6)).toBe(10_485);
    expect(defaultBatchSize(1024, 48)).toBe(1024);
    expect(defaultBatchSize(10_240, 6)).toBe(102);
  });

  it("puts at most 256 KiB in one partition batch, well under the broker's 1 MB message.max.bytes", () => {
    expect(defaultBatchSize(1024, 1)).toBe(256);
    expect(defaultBatchSize(10_240, 2)).toBe(51);
    expect(defaultBatchSize(2_000_000, 1)).toBe(1);
  });

  it('spreads a default send over at most 8 partitions, so its batches hold 128 KiB or more', () => {
    expect([1, 6, 8, 9, 48].map(defaultPartitionsPerSend)).toEqual([1, 6, 8, 8, 8]);
    expect(defaultPartitionsPerSend(0)).toBe(1);
  });

  it("counts records of unknown size as client.py's ~200-byte JSON", () => {
    expect(defaultBatchSize(undefined, 6)).toBe(5242);
  });

  it('keeps 5 sends in flight with idempotence, 1 without', () => {
    expect(defaultMaxInFlight(true)).toBe(5);
    expect(defaultMaxInFlight(false)).toBe(1);
  });
});
