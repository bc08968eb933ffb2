import { describe, expect, it } from 'vitest';
import { parseCells } from '../../../bench/suite/cells.js';
import { limitSettings, produceLayouts } from '../../../bench/suite/limit.js';
import { ktcLayout } from '../../../bench/suite/peers.js';
import { defined } from '../../../src/defined.js';

describe('the produce limit replays two layouts', () => {
  it("replays 64 KiB batches and ktc's own batches, and says both", () => {
    const cell = defined(parseCells('1n-6p-1KiB')[0]);
    expect(produceLayouts(cell)).toEqual([64, ktcLayout(cell).perPartitionBatch]);
    expect(ktcLayout(cell).perPartitionBatch).toBe(171);
    expect(limitSettings(cell, 'produce')).toContain('the higher per round of 64 and 171 records per partition batch');
  });

  it('sizes both from the cell: 48 partitions share a 1 MiB request, where ktc spreads a send over 8 of them', () => {
    expect(produceLayouts(defined(parseCells('1n-48p-100B')[0]))).toEqual([218, 1311]);
    expect(ktcLayout(defined(parseCells('1n-48p-1KiB')[0]))).toMatchObject({ messagesPerSend: 1024, partitionsPerSend: 8, perPartitionBatch: 128 });
    expect(produceLayouts(defined(parseCells('1n-6p-100B')[0]))).toEqual([655, 1748]);
  });
});
