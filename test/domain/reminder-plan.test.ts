import { describe, expect, it } from 'vitest';
import { formatLocalTime, renderReminderMessage } from '../../src/domain/reminder-message.ts';
import {
  inQuietHours,
  invalidReminderOverrides,
  parseQuietHours,
  planReminders,
  QUIET_MARGIN_MS,
} from '../../src/domain/reminder-plan.ts';

const H = 3_600_000;
const quiet = { start: '21:00', end: '08:00' };

describe('planReminders', () => {
  it('puts each reminder its offset before the appointment, earliest first', () => {
    const startsAt = new Date('2026-03-10T18:00:00Z'); // 14:00 in New York (EDT)
    const plan = planReminders({
      startsAt,
      timeZone: 'America/New_York',
      offsetsMs: [2 * H, 24 * H],
      quietHours: quiet,
      now: new Date('2026-03-01T00:00:00Z'),
    });
    expect(plan).toEqual([
      { offsetMs: 24 * H, sendAt: new Date('2026-03-09T18:00:00Z'), movedForQuietHours: false },
      { offsetMs: 2 * H, sendAt: new Date('2026-03-10T16:00:00Z'), movedForQuietHours: false },
    ]);
  });

  it('moves a reminder due in quiet hours to just before they begin, in the customer zone', () => {
    // 09:00 in Los Angeles; 2 h before is 07:00 local, inside 21:00-08:00.
    const startsAt = new Date('2026-07-15T16:00:00Z');
    const [reminder] = planReminders({
      startsAt,
      timeZone: 'America/Los_Angeles',
      offsetsMs: [2 * H],
      quietHours: quiet,
      now: new Date('2026-07-01T00:00:00Z'),
    });
    // The evening before at 21:00 PDT (04:00 UTC) minus the margin.
    expect(reminder).toEqual({
      offsetMs: 2 * H,
      sendAt: new Date(Date.parse('2026-07-15T04:00:00Z') - QUIET_MARGIN_MS),
      movedForQuietHours: true,
    });
  });

  it('handles a quiet window entered before midnight', () => {
    // 23:30 local Tokyo is quiet; the window opened at 21:00 the same evening.
    const startsAt = new Date('2026-05-20T15:30:00Z'); // 00:30 JST on the 21st
    const [reminder] = planReminders({
      startsAt,
      timeZone: 'Asia/Tokyo',
      offsetsMs: [H],
      quietHours: quiet,
      now: new Date('2026-05-01T00:00:00Z'),
    });
    expect(reminder).toMatchObject({
      sendAt: new Date(Date.parse('2026-05-20T12:00:00Z') - QUIET_MARGIN_MS),
    });
  });

  it('skips offsets in the past, moved ones that land in the past, and ones that collapse together', () => {
    const startsAt = new Date('2026-07-15T16:00:00Z'); // 09:00 PDT
    const plan = planReminders({
      startsAt,
      timeZone: 'America/Los_Angeles',
      // 3 h and 2 h before are 06:00 and 07:00: both move to 20:59 the evening before.
      offsetsMs: [48 * H, 3 * H, 2 * H],
      quietHours: quiet,
      now: new Date('2026-07-14T12:00:00Z'),
    });
    expect(plan.map((p) => p.skip ?? 'send')).toEqual(['past', 'send', 'duplicate']);

    const late = planReminders({
      startsAt,
      timeZone: 'America/Los_Angeles',
      offsetsMs: [2 * H],
      quietHours: quiet,
      now: new Date('2026-07-15T05:00:00Z'), // 22:00 PDT: too late to send before quiet hours
    });
    expect(late).toEqual([{ offsetMs: 2 * H, skip: 'quiet-hours' }]);
  });

  it('sends at night when quiet hours are off', () => {
    const [reminder] = planReminders({
      startsAt: new Date('2026-07-15T16:00:00Z'),
      timeZone: 'America/Los_Angeles',
      offsetsMs: [2 * H],
      quietHours: null,
      now: new Date('2026-07-01T00:00:00Z'),
    });
    expect(reminder).toMatchObject({ sendAt: new Date('2026-07-15T14:00:00Z'), movedForQuietHours: false });
  });
});

describe('quiet hours', () => {
  it('parses HH:MM-HH:MM, "off" and empty, and refuses anything else', () => {
    expect(parseQuietHours('21:00-08:00')).toEqual(quiet);
    expect(parseQuietHours(' 22:30 - 07:15 ')).toEqual({ start: '22:30', end: '07:15' });
    expect(parseQuietHours('off')).toBeNull();
    expect(parseQuietHours('')).toBeNull();
    for (const bad of ['21-08', '25:00-08:00', '21:00', '21:00-21:00', '9:00-17:00', '21:00-08:00-09:00']) {
      expect(() => parseQuietHours(bad), bad).toThrow(/quiet hours must look like/);
    }
  });

  it('tests local wall time, across midnight and within one day', () => {
    const zone = 'Europe/Paris'; // UTC+2 in July
    expect(inQuietHours(new Date('2026-07-01T19:30:00Z'), zone, quiet)).toBe(true); // 21:30
    expect(inQuietHours(new Date('2026-07-01T05:59:00Z'), zone, quiet)).toBe(true); // 07:59
    expect(inQuietHours(new Date('2026-07-01T06:00:00Z'), zone, quiet)).toBe(false); // 08:00
    const lunch = { start: '12:00', end: '13:00' };
    expect(inQuietHours(new Date('2026-07-01T10:30:00Z'), zone, lunch)).toBe(true);
    expect(inQuietHours(new Date('2026-07-01T11:00:00Z'), zone, lunch)).toBe(false);
  });
});

describe('reminder message', () => {
  it('renders business name and the local time, with a fallback for an unknown name', () => {
    const startsAt = new Date('2026-03-10T18:30:00Z');
    const text = renderReminderMessage('Hi {{customerName}}: {{businessName}} at {{localTime}}', {
      customerName: null,
      businessName: 'Acme Dental',
      startsAt,
      timeZone: 'America/Chicago',
    });
    expect(text).toBe('Hi there: Acme Dental at Tue, Mar 10, 1:30 PM CDT');
    expect(formatLocalTime(startsAt, 'Europe/Berlin')).toBe('Tue, Mar 10, 7:30 PM GMT+1');
  });
});

describe('reminder overrides', () => {
  it('accepts absent or sensible overrides and names what is wrong otherwise', () => {
    expect(invalidReminderOverrides({})).toBeUndefined();
    expect(
      invalidReminderOverrides({ offsetsMs: [0, 5000], quietHours: null, channel: 'sms' }),
    ).toBeUndefined();
    expect(invalidReminderOverrides({ quietHours: { start: '22:00', end: '07:00' } })).toBeUndefined();
    expect(invalidReminderOverrides({ offsetsMs: [] })).toMatch(/offsetsMs/);
    expect(invalidReminderOverrides({ offsetsMs: [Number.NaN] })).toMatch(/offsetsMs/);
    expect(invalidReminderOverrides({ offsetsMs: '24h' })).toMatch(/offsetsMs/);
    expect(invalidReminderOverrides({ quietHours: { start: '25:00', end: '07:00' } })).toMatch(/quiet hours/);
    expect(invalidReminderOverrides({ channel: 'fax' })).toMatch(/channel/);
  });
});
