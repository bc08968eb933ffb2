import { describe, expect, it } from 'vitest';
import { defaultBatchSize, defaultMaxInFlight, defaultPartitionsPerSend } from '../../../src/config/producerDefaults.js';

describe('producer defaults', () => {
  it('sends 1 MiB worth of messages per leader once there are 4 partitions per leader or more', () => {
    expect(defaultBatchSize(100, 6, 1)).toBe(10_485);
    expect(defaultBatchSize(1024, 48, 1)).toBe(1024);
    expect(defaultBatchSize(10_240, 6, 1)).toBe(102);
    expect(defaultBatchSize(1024, 48, 3)).toBe(3072);
    expect(defaultBatchSize(1024, 12, 3)).toBe(3072);
  });

  it("puts at most 256 KiB in one partition batch, well under the broker's 1 MB message.max.bytes", () => {
    expect(defaultBatchSize(1024, 1, 1)).toBe(256);
    expect(defaultBatchSize(10_240, 2, 1)).toBe(51);
    expect(defaultBatchSize(2_000_000, 1, 1)).toBe(1);
    expect(defaultBatchSize(1024, 6, 3)).toBe(1536);
  });

  it('spreads a default send over at most 8 partitions per leader, so its batches hold 128 KiB or more', () => {
    expect([1, 6, 8, 9, 48].map((p) => defaultPartitionsPerSend(p, 1))).toEqual([1, 6, 8, 8, 8]);
    expect([1, 6, 24, 48].map((p) => defaultPartitionsPerSend(p, 3))).toEqual([1, 6, 24, 24]);
    expect(defaultPartitionsPerSend(0, 1)).toBe(1);
  });

  it('counts an unknown or zero leader count as one broker', () => {
    expect(defaultBatchSize(1024, 48, 0)).toBe(1024);
    expect(defaultPartitionsPerSend(48, 0)).toBe(8);
  });

  it("counts records of unknown size as client.py's ~200-byte JSON", () => {
    expect(defaultBatchSize(undefined, 6, 1)).toBe(5242);
  });

  it('keeps 5 sends in flight with idempotence, 1 without', () => {
    expect(defaultMaxInFlight(true)).toBe(5);
    expect(defaultMaxInFlight(false)).toBe(1);
  });
});
