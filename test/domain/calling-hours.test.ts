import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CALLING_HOURS, isCallable, nextCallableAt } from '../../src/domain/calling-hours.ts';
import { toLocal } from '../../src/domain/time-zone.ts';

const ZONES = [
  'UTC',
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Kiritimati',
  'America/St_Johns',
  'Pacific/Chatham',
];

describe('calling hours', () => {
  it('is open 08:00 to 21:00 local by default, start included, end excluded', () => {
    const ny = 'America/New_York';
    expect(isCallable(new Date('2027-01-15T13:00:00Z'), ny, DEFAULT_CALLING_HOURS)).toBe(true); // 08:00 EST
    expect(isCallable(new Date('2027-01-15T12:59:59Z'), ny, DEFAULT_CALLING_HOURS)).toBe(false);
    expect(isCallable(new Date('2027-01-16T02:00:00Z'), ny, DEFAULT_CALLING_HOURS)).toBe(false); // 21:00
    expect(nextCallableAt(new Date('2027-01-16T02:00:00Z'), ny, DEFAULT_CALLING_HOURS)?.toISOString()).toBe(
      '2027-01-16T13:00:00.000Z',
    );
  });

  it('skips days without a window and follows daylight saving time', () => {
    const hours = {
      mon: [
        ['09:00', '12:00'],
        ['14:00', '17:00'],
      ] as [string, string][],
    };
    // Friday 2027-03-12 18:00 New York (EST) → Monday 2027-03-15 09:00 (EDT, UTC-4).
    expect(nextCallableAt(new Date('2027-03-12T23:00:00Z'), 'America/New_York', hours)?.toISOString()).toBe(
      '2027-03-15T13:00:00.000Z',
    );
    // Monday 12:30 → the afternoon window.
    expect(nextCallableAt(new Date('2027-03-15T16:30:00Z'), 'America/New_York', hours)?.toISOString()).toBe(
      '2027-03-15T18:00:00.000Z',
    );
    expect(nextCallableAt(new Date(), 'UTC', {})).toBeUndefined();
  });

  it('never returns a time outside the window, nor skips an earlier open one (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2025-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }),
        fc.constantFrom(...ZONES),
        (at, zone) => {
          const next = nextCallableAt(at, zone, DEFAULT_CALLING_HOURS) as Date;
          expect(next.getTime()).toBeGreaterThanOrEqual(at.getTime());
          const local = toLocal(next, zone);
          const minutes = local.hour * 60 + local.minute;
          expect(minutes).toBeGreaterThanOrEqual(8 * 60);
          expect(minutes).toBeLessThan(21 * 60);
          // Nothing callable between `at` and `next` (checked each minute, at most a day).
          for (let t = at.getTime(); t < next.getTime() && t - at.getTime() < 86_400_000; t += 60_000) {
            expect(isCallable(new Date(t), zone, DEFAULT_CALLING_HOURS)).toBe(false);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
