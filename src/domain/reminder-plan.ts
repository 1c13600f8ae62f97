import { addDays, fromLocal, type LocalDateTime, toLocal } from './time-zone.ts';

/**
 * When an appointment's reminders go out. Pure (no I/O, no clock), so the reminder workflow can
 * call it deterministically and tests can pin every case to fixed instants.
 *
 * Quiet hours policy: a reminder that would land inside the quiet window (local time of the
 * customer) is moved EARLIER, to `QUIET_MARGIN_MS` before the window opens on that evening.
 * Earlier rather than later because a reminder must arrive before the appointment: moving a
 * 07:00 reminder to 08:00 could put it after a 07:30 appointment. A moved reminder whose new
 * time is already past when the plan is made is skipped (never sent at night), and one that would
 * coincide with an earlier-planned reminder is dropped so the customer gets one message.
 */

/** "HH:MM" in 24-hour local time. */
export interface QuietHours {
  start: string;
  end: string;
}

export interface ReminderPlanInput {
  startsAt: Date;
  /** IANA zone the quiet hours are read in (the customer's, else the appointment's). */
  timeZone: string;
  /** How long before the appointment each reminder is due, in ms. */
  offsetsMs: readonly number[];
  quietHours?: QuietHours | null;
  now: Date;
}

export type PlannedReminder =
  | { offsetMs: number; sendAt: Date; movedForQuietHours: boolean; skip?: undefined }
  | { offsetMs: number; skip: 'past' | 'quiet-hours' | 'duplicate' };

/** Sent this long before quiet hours begin when moved. */
export const QUIET_MARGIN_MS = 60_000;

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function parseQuietHours(text: string): QuietHours | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'off') return null;
  const [start, end, ...rest] = trimmed.split('-').map((s) => s.trim());
  if (!start || !end || rest.length > 0 || !HHMM.test(start) || !HHMM.test(end) || start === end) {
    throw new Error(`quiet hours must look like 21:00-08:00 (got ${JSON.stringify(text)})`);
  }
  return { start, end };
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h as number) * 60 + (m as number);
}

/** Whether local wall time `at` falls in [start, end), the window possibly spanning midnight. */
export function inQuietHours(at: Date, timeZone: string, quiet: QuietHours): boolean {
  const local = toLocal(at, timeZone);
  const minute = local.hour * 60 + local.minute;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The instant the quiet window containing `at` opened (today or, after midnight, yesterday). */
function quietWindowStart(at: Date, timeZone: string, quiet: QuietHours): Date {
  const local = toLocal(at, timeZone);
  const start = minutesOf(quiet.start);
  const minute = local.hour * 60 + local.minute;
  const day = minute >= start ? local : addDays(local, -1);
  const wall: LocalDateTime = {
    year: day.year,
    month: day.month,
    day: day.day,
    hour: Math.floor(start / 60),
    minute: start % 60,
  };
  return fromLocal(wall, timeZone);
}

export function planReminders(input: ReminderPlanInput): PlannedReminder[] {
  const offsets = [...new Set(input.offsetsMs)].sort((a, b) => b - a);
  const planned: PlannedReminder[] = [];
  let latestSendAt = Number.NEGATIVE_INFINITY;
  for (const offsetMs of offsets) {
    let sendAt = new Date(input.startsAt.getTime() - offsetMs);
    let moved = false;
    if (input.quietHours && inQuietHours(sendAt, input.timeZone, input.quietHours)) {
      sendAt = new Date(
        quietWindowStart(sendAt, input.timeZone, input.quietHours).getTime() - QUIET_MARGIN_MS,
      );
      moved = true;
    }
    if (sendAt.getTime() < input.now.getTime()) {
      planned.push({ offsetMs, skip: moved ? 'quiet-hours' : 'past' });
    } else if (sendAt.getTime() <= latestSendAt) {
      planned.push({ offsetMs, skip: 'duplicate' });
    } else {
      planned.push({ offsetMs, sendAt, movedForQuietHours: moved });
      latestSendAt = sendAt.getTime();
    }
  }
  return planned;
}

/** Why reminder overrides are unusable, or undefined when they are fine. */
export function invalidReminderOverrides(input: {
  offsetsMs?: unknown;
  quietHours?: unknown;
  channel?: unknown;
}): string | undefined {
  const { offsetsMs, quietHours, channel } = input;
  if (offsetsMs !== undefined) {
    const ok =
      Array.isArray(offsetsMs) &&
      offsetsMs.length > 0 &&
      offsetsMs.every((o) => typeof o === 'number' && Number.isFinite(o) && o >= 0);
    if (!ok) return 'offsetsMs must be a non-empty list of non-negative numbers of milliseconds';
  }
  if (quietHours !== undefined && quietHours !== null) {
    const q = quietHours as { start?: unknown; end?: unknown };
    try {
      parseQuietHours(`${String(q.start)}-${String(q.end)}`);
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (channel !== undefined && channel !== 'sms' && channel !== 'call') return 'channel must be sms or call';
  return undefined;
}
