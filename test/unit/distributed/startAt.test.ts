import { describe, expect, it } from 'vitest';
import { FlagValueError, parseInstant } from '../../../src/config/flagKinds.js';
import { waitText, waitUntil } from '../../../src/distributed/startAt.js';

const NOW = Date.parse('2026-11-27T09:30:00Z');

describe('--start-at values', () => {
  it('reads ISO 8601 times with Z or an offset as the same instant everywhere', () => {
    expect(parseInstant('2026-11-27T10:00:00Z', NOW)).toBe(Date.parse('2026-11-27T10:00:00Z'));
    expect(parseInstant('2026-11-27T11:00:00+01:00', NOW)).toBe(Date.parse('2026-11-27T10:00:00Z'));
    expect(parseInstant('2026-11-27T10:00Z', NOW)).toBe(Date.parse('2026-11-27T10:00:00Z'));
    expect(parseInstant('2026-11-27T10:00:00.250Z', NOW)).toBe(Date.parse('2026-11-27T10:00:00.250Z'));
  });

  it('reads a time of day as UTC, today when still ahead (or passed under a minute ago), else tomorrow', () => {
    expect(parseInstant('10:00', NOW)).toBe(Date.parse('2026-11-27T10:00:00Z'));
    expect(parseInstant('9:30:45', NOW)).toBe(Date.parse('2026-11-27T09:30:45Z'));
    expect(parseInstant('09:29:30', NOW)).toBe(Date.parse('2026-11-27T09:29:30Z'));
    expect(parseInstant('09:00', NOW)).toBe(Date.parse('2026-11-28T09:00:00Z'));
  });

  it('refuses a date without a zone, a day that does not exist and a time of day out of range, saying which', () => {
    const reason = (text: string): string => {
      try {
        parseInstant(text, NOW);
      } catch (err) {
        if (err instanceof FlagValueError) return err.reason;
      }
      return 'accepted';
    };
    expect(reason('2026-11-27T10:00:00')).toMatch(/^has no time zone: add Z for UTC/);
    expect(reason('2026-02-30T10:00:00Z')).toBe('is not a valid date and time, e.g. 2026-11-27T10:00:00Z');
    expect(reason('24:00')).toBe('is not a time of day: give HH:MM or HH:MM:SS (UTC), e.g. 10:00:30');
    expect(reason('soon')).toMatch(/^is not a time: give an ISO 8601 time with its zone/);
  });
});

describe('waiting for --start-at', () => {
  it('says what it waits for and returns at the moment', async () => {
    const notices: string[] = [];
    const start = Date.now();
    await waitUntil(start + 300, new AbortController().signal, (t) => notices.push(t));
    expect(Date.now() - start).toBeGreaterThanOrEqual(295);
    expect(notices).toEqual([`waiting until ${new Date(start + 300).toISOString()} to start producing (--start-at), 1 s from now`]);
  });

  it('starts at once when the moment passed, saying how late this worker is', async () => {
    const notices: string[] = [];
    const start = Date.now();
    await waitUntil(
      NOW,
      new AbortController().signal,
      (t) => notices.push(t),
      () => NOW + 2500,
    );
    expect(Date.now() - start).toBeLessThan(100);
    expect(notices).toEqual(['--start-at 2026-11-27T09:30:00.000Z passed 2.5 s ago: starting now, later than the workers that waited for it']);
  });

  it('ends the wait when aborted (Ctrl+C)', async () => {
    const abort = new AbortController();
    const start = Date.now();
    setTimeout(() => abort.abort(), 50);
    await waitUntil(start + 60_000, abort.signal, () => undefined);
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it('words the wait in the largest units that matter', () => {
    expect([waitText(42_000), waitText(725_000), waitText(3 * 3600_000 + 125_000)]).toEqual(['42 s', '12 min 5 s', '3 h 2 min']);
  });
});
