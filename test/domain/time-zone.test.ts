import { describe, expect, it } from 'vitest';
import {
  addDays,
  fromLocal,
  isValidTimeZone,
  offsetMs,
  toLocal,
  weekday,
} from '../../src/domain/time-zone.ts';

describe('time zones', () => {
  it('converts wall-clock time to instants and back, across DST', () => {
    // New York: EST (UTC-5) in January, EDT (UTC-4) in July.
    expect(
      fromLocal({ year: 2027, month: 1, day: 15, hour: 9, minute: 0 }, 'America/New_York').toISOString(),
    ).toBe('2027-01-15T14:00:00.000Z');
    expect(
      fromLocal({ year: 2027, month: 7, day: 15, hour: 9, minute: 0 }, 'America/New_York').toISOString(),
    ).toBe('2027-07-15T13:00:00.000Z');
    expect(toLocal(new Date('2027-07-15T13:00:00Z'), 'America/New_York')).toMatchObject({
      hour: 9,
      minute: 0,
    });
    expect(offsetMs(new Date('2027-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3600_000);
  });

  it('moves a time inside a spring-forward gap past the gap, and picks the first of a repeated hour', () => {
    // 2027-03-14 02:30 does not exist in New York (clocks jump 02:00 → 03:00).
    const gap = fromLocal({ year: 2027, month: 3, day: 14, hour: 2, minute: 30 }, 'America/New_York');
    expect(toLocal(gap, 'America/New_York')).toMatchObject({ hour: 3, minute: 30 });
    // 2027-11-07 01:30 happens twice; the earlier one is EDT (UTC-4).
    const overlap = fromLocal({ year: 2027, month: 11, day: 7, hour: 1, minute: 30 }, 'America/New_York');
    expect(overlap.toISOString()).toBe('2027-11-07T05:30:00.000Z');
  });

  it('knows valid zones, weekdays and month roll-over', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(weekday({ year: 2026, month: 11, day: 21 })).toBe(6);
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
  });
});
