import { describe, expect, it } from 'vitest';
import { messagesFor, shortfall } from '../../../bench/suite/cells.js';

const timing = { rounds: 5, warmupSeconds: { producer: 5, consumer: 2 }, measureSeconds: 10 };

describe('run sizing', () => {
  it('sizes a run to last its warm-up plus the measured seconds at a rate, with half again as margin', () => {
    expect(messagesFor(100_000, timing, 'producer')).toBe(2_250_000);
    expect(messagesFor(100_000, timing, 'consumer')).toBe(1_800_000);
  });

  it('counts a run that measured 8 of 10 s or 5 M messages, and says why another falls short', () => {
    expect(shortfall({ measuredSeconds: 8, measuredRecords: 100 }, 10)).toBeUndefined();
    expect(shortfall({ measuredSeconds: 2, measuredRecords: 5_000_000 }, 10)).toBeUndefined();
    // The 1 KiB producer of one round, sized from a slower round before it: 2 s measured, 0.75 M messages.
    expect(shortfall({ measuredSeconds: 2, measuredRecords: 747_476 }, 10)).toBe('2.0 s and 747476 messages measured');
    expect(shortfall({ measuredSeconds: 7.9, measuredRecords: 4_999_999 }, 10)).toBe('7.9 s and 4999999 messages measured');
  });
});
