import { z } from 'zod';
import { lazySchema } from './lazy-schema.ts';
import { addDays, fromLocal, isValidTimeZone, offsetMs, toLocal, weekday } from './time-zone.ts';

/**
 * Free appointment slots from an agent's weekly business hours, slot length and time zone,
 * minus existing appointments. Pure, so the `findAvailableSlots` tool and the booking
 * validation agree on what a bookable slot is.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const clock = lazySchema(() => z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)'));
const interval = lazySchema(() =>
  z.tuple([clock, clock]).refine(([start, end]) => start < end, 'an interval must end after it starts'),
);

export const businessHoursSchema = lazySchema(() => z.partialRecord(z.enum(WEEKDAYS), z.array(interval)));
export type BusinessHours = z.infer<typeof businessHoursSchema>;

export interface Schedule {
  hours: BusinessHours;
  slotMinutes: number;
  timeZone: string;
}

export interface Slot {
  startsAt: Date;
  endsAt: Date;
}

export interface SlotQuery {
  from: Date;
  to: Date;
  busy: Slot[];
  limit?: number;
}

export function findAvailableSlots(schedule: Schedule, query: SlotQuery): Slot[] {
  if (!isValidTimeZone(schedule.timeZone)) throw new RangeError(`unknown time zone ${schedule.timeZone}`);
  if (schedule.slotMinutes <= 0) throw new RangeError('slotMinutes must be positive');
  const limit = query.limit ?? 20;
  const slots: Slot[] = [];
  const lastDay = toLocal(query.to, schedule.timeZone);
  for (let day = toLocal(query.from, schedule.timeZone); !after(day, lastDay); day = addDays(day, 1)) {
    for (const slot of slotsOnDay(schedule, day)) {
      if (slot.startsAt < query.from || slot.endsAt > query.to) continue;
      if (query.busy.some((b) => overlaps(slot, b))) continue;
      slots.push(slot);
      if (slots.length >= limit) return slots;
    }
  }
  return slots;
}

/**
 * True when `slot` is exactly one of the schedule's slots (so a booking lands on the grid). Every
 * booking asks this, so it checks the one grid point the slot's local time could be instead of
 * building the whole day's slots (a day of 5-minute slots is ~1,000 time-zone conversions);
 * only a day with a clock change, where two wall times can name one instant, takes the full walk.
 */
export function isScheduleSlot(schedule: Schedule, slot: Slot): boolean {
  const slotMs = schedule.slotMinutes * 60_000;
  if (slot.endsAt.getTime() - slot.startsAt.getTime() !== slotMs) return false;
  const local = toLocal(slot.startsAt, schedule.timeZone);
  const minute = local.hour * 60 + local.minute;
  const onGrid = intervalsOn(schedule, local).some(([start, end]) => {
    const from = minutes(start);
    return (
      minute >= from &&
      (minute - from) % schedule.slotMinutes === 0 &&
      minute + schedule.slotMinutes <= minutes(end)
    );
  });
  if (
    onGrid &&
    fromLocal({ ...local, hour: local.hour, minute: local.minute }, schedule.timeZone).getTime() ===
      slot.startsAt.getTime()
  )
    return true;
  const dayMs = 26 * 60 * 60_000;
  const at = slot.startsAt.getTime();
  if (offsetMs(new Date(at - dayMs), schedule.timeZone) === offsetMs(new Date(at + dayMs), schedule.timeZone))
    return false;
  return slotsOnDay(schedule, local).some(
    (s) => s.startsAt.getTime() === slot.startsAt.getTime() && s.endsAt.getTime() === slot.endsAt.getTime(),
  );
}

function intervalsOn(schedule: Schedule, day: { year: number; month: number; day: number }) {
  return schedule.hours[WEEKDAYS[weekday(day)] as (typeof WEEKDAYS)[number]] ?? [];
}

function slotsOnDay(schedule: Schedule, day: { year: number; month: number; day: number }): Slot[] {
  const slots: Slot[] = [];
  for (const [start, end] of intervalsOn(schedule, day)) {
    const endMinute = minutes(end);
    for (let m = minutes(start); m + schedule.slotMinutes <= endMinute; m += schedule.slotMinutes) {
      const startsAt = fromLocal({ ...day, hour: Math.floor(m / 60), minute: m % 60 }, schedule.timeZone);
      slots.push({ startsAt, endsAt: new Date(startsAt.getTime() + schedule.slotMinutes * 60_000) });
    }
  }
  return slots;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h as number) * 60 + (m as number);
}

function overlaps(a: Slot, b: Slot): boolean {
  return a.startsAt < b.endsAt && b.startsAt < a.endsAt;
}

function after(
  a: { year: number; month: number; day: number },
  b: { year: number; month: number; day: number },
) {
  return a.year !== b.year ? a.year > b.year : a.month !== b.month ? a.month > b.month : a.day > b.day;
}
