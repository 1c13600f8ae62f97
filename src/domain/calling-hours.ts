import { type BusinessHours, businessHoursSchema, WEEKDAYS } from './availability.ts';
import { addDays, fromLocal, toLocal, weekday } from './time-zone.ts';

/**
 * Calling hours: weekly windows applied in each contact's own time zone. Pure, so the campaign
 * workflow can decide with its own (replay-safe) clock and a test can check any instant.
 */

export type CallingHours = BusinessHours;
export const callingHoursSchema = businessHoursSchema;

const EVERY_DAY_8_TO_21: [string, string][] = [['08:00', '21:00']];
/** 08:00–21:00 every day, local to the contact (the common legal default for outbound calls). */
export const DEFAULT_CALLING_HOURS: CallingHours = Object.fromEntries(
  WEEKDAYS.map((d) => [d, EVERY_DAY_8_TO_21]),
) as CallingHours;

export function hasAnyWindow(hours: CallingHours): boolean {
  return Object.values(hours).some((windows) => (windows?.length ?? 0) > 0);
}

/**
 * `at` itself when a contact in `timeZone` may be called then (start inclusive, end exclusive),
 * otherwise the instant the next window opens; `undefined` when the hours have no window at all.
 */
export function nextCallableAt(at: Date, timeZone: string, hours: CallingHours): Date | undefined {
  const today = toLocal(at, timeZone);
  // Eight days: every weekday once, plus today's later windows a week on.
  for (let offset = 0; offset <= 7; offset++) {
    const day = addDays(today, offset);
    const windows = [...(hours[WEEKDAYS[weekday(day)] as (typeof WEEKDAYS)[number]] ?? [])].sort((a, b) =>
      a[0].localeCompare(b[0]),
    );
    for (const [start, end] of windows) {
      const opens = fromLocal({ ...day, ...clock(start) }, timeZone);
      const closes = fromLocal({ ...day, ...clock(end) }, timeZone);
      if (at >= opens && at < closes) return at;
      if (opens > at) return opens;
    }
  }
  return undefined;
}

export function isCallable(at: Date, timeZone: string, hours: CallingHours): boolean {
  return nextCallableAt(at, timeZone, hours)?.getTime() === at.getTime();
}

function clock(hhmm: string): { hour: number; minute: number } {
  const [hour, minute] = hhmm.split(':').map(Number);
  return { hour: hour as number, minute: minute as number };
}
