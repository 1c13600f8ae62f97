/**
 * Wall-clock time in IANA zones using only Intl (no I/O, safe in workflow code). Used for
 * business hours, calling hours and reminder times, which are all defined in local time.
 */

export interface LocalDateTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time in `timeZone` at instant `at`. */
export function toLocal(at: Date, timeZone: string): LocalDateTime & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year as number,
    month: parts.month as number,
    day: parts.day as number,
    hour: parts.hour as number,
    minute: parts.minute as number,
    second: parts.second as number,
  };
}

/** Offset of `timeZone` from UTC at instant `at`, in ms (positive east of Greenwich). */
export function offsetMs(at: Date, timeZone: string): number {
  const l = toLocal(at, timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant when clocks in `timeZone` show `local`. In a DST gap (a time that does not
 * exist) the result is shifted forward by the gap; in an overlap the earlier instant wins.
 */
export function fromLocal(local: LocalDateTime, timeZone: string): Date {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  const first = wall - offsetMs(new Date(wall), timeZone);
  const second = wall - offsetMs(new Date(first), timeZone);
  const showsWall = (t: number) => {
    const l = toLocal(new Date(t), timeZone);
    return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute) === wall;
  };
  const exact = [first, second].filter(showsWall);
  // Neither candidate shows the wall time: it is in a gap, and the later candidate (computed
  // with the offset from before the jump) is the same wall time pushed forward by the gap.
  return new Date(exact.length > 0 ? Math.min(...exact) : Math.max(first, second));
}

/** Day of week 0 (Sunday) to 6 of a local calendar date. */
export function weekday(local: Pick<LocalDateTime, 'year' | 'month' | 'day'>): number {
  return new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay();
}

/** The calendar date `days` after `local` (month and year roll over). */
export function addDays<T extends Pick<LocalDateTime, 'year' | 'month' | 'day'>>(local: T, days: number): T {
  const d = new Date(Date.UTC(local.year, local.month - 1, local.day + days));
  return { ...local, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
