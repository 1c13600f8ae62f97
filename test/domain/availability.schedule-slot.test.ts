import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findAvailableSlots,
  isScheduleSlot,
  type Schedule,
  type Slot,
} from '../../src/domain/availability.ts';

// isScheduleSlot checks one grid point instead of listing the day's slots; it must still say
// exactly what the listing says, including on days the clocks change.
const zones = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Asia/Kolkata',
];
// Around each zone's clock changes in 2027 (both directions), and an ordinary week.
const days = [
  '2027-03-14',
  '2027-03-28',
  '2027-04-04',
  '2027-09-05',
  '2027-10-03',
  '2027-10-31',
  '2027-11-07',
  '2027-06-15',
];
const clock = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

const scheduleArb = fc
  .record({
    timeZone: fc.constantFrom(...zones),
    slotMinutes: fc.constantFrom(5, 15, 30, 45, 60, 90),
    start: fc.integer({ min: 0, max: 22 * 60 }),
    length: fc.integer({ min: 30, max: 24 * 60 }),
  })
  .map(({ timeZone, slotMinutes, start, length }): Schedule => {
    const end = Math.min(23 * 60 + 59, start + length);
    const interval: [string, string] = [clock(start), clock(end)];
    const hours = Object.fromEntries(
      ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [interval]]),
    );
    return { hours, slotMinutes, timeZone };
  });

function listed(schedule: Schedule, around: Date): Slot[] {
  const hours48 = 48 * 60 * 60_000;
  return findAvailableSlots(schedule, {
    from: new Date(around.getTime() - hours48),
    to: new Date(around.getTime() + hours48),
    busy: [],
    limit: 100_000,
  });
}

describe('isScheduleSlot', () => {
  it('agrees with the listed slots for on-grid, shifted and wrong-length slots, across clock changes', () => {
    fc.assert(
      fc.property(
        scheduleArb,
        fc.constantFrom(...days),
        fc.integer({ min: 0, max: 24 * 60 - 1 }),
        fc.constantFrom(0, 0, 1, -1, 30, 60, -60, 7),
        (schedule, day, minuteOfDay, shiftMinutes) => {
          const around = new Date(`${day}T00:00:00Z`);
          const slots = listed(schedule, around);
          const known = new Set(slots.map((s) => `${s.startsAt.getTime()}/${s.endsAt.getTime()}`));
          const base = slots[minuteOfDay % Math.max(1, slots.length)];
          const startMs = (base?.startsAt.getTime() ?? around.getTime()) + shiftMinutes * 60_000;
          for (const lengthMinutes of [schedule.slotMinutes, schedule.slotMinutes + 5]) {
            const slot = { startsAt: new Date(startMs), endsAt: new Date(startMs + lengthMinutes * 60_000) };
            // Only slots inside the listed window are comparable.
            if (Math.abs(startMs - around.getTime()) > 30 * 60 * 60_000) continue;
            expect(isScheduleSlot(schedule, slot)).toBe(known.has(`${startMs}/${slot.endsAt.getTime()}`));
          }
        },
      ),
      { numRuns: 400, seed: 20261122 },
    );
  });

  it('accepts the slot a clock change moves forward, as the listing does', () => {
    // New York springs forward at 02:00 on 2027-03-14: a 02:00 grid slot lands at 03:00 EDT.
    const schedule: Schedule = {
      hours: { sun: [['02:00', '02:30']] },
      slotMinutes: 30,
      timeZone: 'America/New_York',
    };
    const startsAt = new Date('2027-03-14T07:00:00Z');
    const slot = { startsAt, endsAt: new Date(startsAt.getTime() + 30 * 60_000) };
    expect(listed(schedule, startsAt).map((s) => s.startsAt.toISOString())).toEqual([startsAt.toISOString()]);
    expect(isScheduleSlot(schedule, slot)).toBe(true);
  });
});
