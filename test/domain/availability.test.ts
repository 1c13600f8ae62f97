import { describe, expect, it } from 'vitest';
import {
  businessHoursSchema,
  findAvailableSlots,
  isScheduleSlot,
  type Schedule,
} from '../../src/domain/availability.ts';

const schedule: Schedule = {
  hours: {
    mon: [['09:00', '10:30']],
    tue: [
      ['09:00', '10:00'],
      ['14:00', '15:00'],
    ],
  },
  slotMinutes: 30,
  timeZone: 'America/New_York',
};
const iso = (slots: { startsAt: Date }[]) => slots.map((s) => s.startsAt.toISOString());

describe('findAvailableSlots', () => {
  it('lists slots inside business hours in the agent time zone', () => {
    // Monday 2027-01-18 and Tuesday 2027-01-19, EST = UTC-5.
    const slots = findAvailableSlots(schedule, {
      from: new Date('2027-01-18T00:00:00Z'),
      to: new Date('2027-01-20T05:00:00Z'),
      busy: [],
    });
    expect(iso(slots)).toEqual([
      '2027-01-18T14:00:00.000Z',
      '2027-01-18T14:30:00.000Z',
      '2027-01-18T15:00:00.000Z',
      '2027-01-19T14:00:00.000Z',
      '2027-01-19T14:30:00.000Z',
      '2027-01-19T19:00:00.000Z',
      '2027-01-19T19:30:00.000Z',
    ]);
    expect(slots[0]?.endsAt.toISOString()).toBe('2027-01-18T14:30:00.000Z');
  });

  it('leaves out slots overlapping existing appointments and slots already past', () => {
    const slots = findAvailableSlots(schedule, {
      from: new Date('2027-01-18T14:10:00Z'),
      to: new Date('2027-01-18T23:00:00Z'),
      busy: [{ startsAt: new Date('2027-01-18T14:45:00Z'), endsAt: new Date('2027-01-18T15:15:00Z') }],
    });
    expect(iso(slots)).toEqual([]);
    const later = findAvailableSlots(schedule, {
      from: new Date('2027-01-18T13:00:00Z'),
      to: new Date('2027-01-18T23:00:00Z'),
      busy: [{ startsAt: new Date('2027-01-18T14:30:00Z'), endsAt: new Date('2027-01-18T15:00:00Z') }],
    });
    expect(iso(later)).toEqual(['2027-01-18T14:00:00.000Z', '2027-01-18T15:00:00.000Z']);
  });

  it('respects the limit and knows which instants are on the slot grid', () => {
    const slots = findAvailableSlots(schedule, {
      from: new Date('2027-01-18T00:00:00Z'),
      to: new Date('2027-02-18T00:00:00Z'),
      busy: [],
      limit: 3,
    });
    expect(slots).toHaveLength(3);
    const first = slots[0] as { startsAt: Date; endsAt: Date };
    expect(isScheduleSlot(schedule, first)).toBe(true);
    expect(
      isScheduleSlot(schedule, {
        startsAt: new Date(first.startsAt.getTime() + 60_000),
        endsAt: first.endsAt,
      }),
    ).toBe(false);
  });

  it('rejects malformed business hours and unknown zones', () => {
    expect(businessHoursSchema.safeParse({ mon: [['9am', '5pm']] }).success).toBe(false);
    expect(businessHoursSchema.safeParse({ mon: [['17:00', '09:00']] }).success).toBe(false);
    expect(businessHoursSchema.safeParse({ funday: [] }).success).toBe(false);
    expect(() =>
      findAvailableSlots(
        { ...schedule, timeZone: 'Nowhere/Town' },
        { from: new Date(), to: new Date(), busy: [] },
      ),
    ).toThrow(/unknown time zone/);
  });
});
