import { describe, expect, it } from 'vitest';
import { dirtyBytes, pendingDeletes } from '../../../bench/suite/diskSettle.js';

describe('settling the disk between runs', () => {
  it("reads the page cache's dirty bytes from /proc/meminfo", () => {
    const meminfo = ['MemFree:          219904 kB', 'Dirty:           2051464 kB', 'Writeback:             4 kB', ''].join('\n');
    expect(dirtyBytes(meminfo)).toBe(2_051_464 * 1024);
    expect(dirtyBytes('MemFree: 1 kB\n')).toBe(0);
  });

  it('finds the log directories of deleted topics the broker has yet to remove', () => {
    const entries = ['bench-a-0', 'bench-b-3.6f1c9e0a8b2d4f7e9c1a2b3c4d5e6f70-delete', '__cluster_metadata-0', 'meta.properties'];
    expect(pendingDeletes(entries)).toEqual(['bench-b-3.6f1c9e0a8b2d4f7e9c1a2b3c4d5e6f70-delete']);
  });
});
