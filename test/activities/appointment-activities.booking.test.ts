import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppointmentActivities } from '../../src/activities/appointment-activities.ts';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { DEFAULT_AGENT } from '../../src/db/seed.ts';
import { createLogger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const logger = createLogger('silent');
const NOW = new Date('2027-01-18T12:00:00Z'); // a Monday
const at = (iso: string) => new Date(iso).toISOString();

/**
 * The booking activity against a real database: one statement per booking, with the agent's
 * schedule cached per worker. A cached schedule must never let a booking through that the agent's
 * current hours forbid, nor refuse one they allow.
 */
describe('bookAppointment activity', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let acts: ReturnType<typeof createAppointmentActivities>;
  let agentId: string;
  let customerId: string;
  let callIds: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyMigrations({ connectionString: db.url, migrationsDir: MIGRATIONS_DIR, logger });
    prisma = createPrisma({ connectionString: db.url, poolMax: 4 });
    const agent = await prisma.agent.create({
      data: {
        ...DEFAULT_AGENT,
        name: 'Booking test',
        timeZone: 'UTC',
        slotMinutes: 30,
        businessHours: { mon: [['09:00', '12:00']] },
      },
    });
    agentId = agent.id;
    customerId = (await prisma.customer.create({ data: { phone: '+14155550123' } })).id;
    callIds = [];
    for (const sid of ['CAbookact1', 'CAbookact2']) {
      const call = await prisma.call.create({
        data: {
          callSid: sid,
          direction: 'inbound',
          from: '+14155550123',
          to: '+14155550100',
          status: 'in_progress',
          agentId,
          customerId,
        },
      });
      callIds.push(call.id);
    }
    acts = createAppointmentActivities({ prisma, now: () => NOW });
  }, 120_000);

  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  const book = (callIndex: number, startsAt: string) =>
    acts.bookAppointment({
      agentId,
      customerId,
      callId: callIds[callIndex] as string,
      startsAt: at(startsAt),
    });

  it('books a free slot once: a retry gets its own row back, a rival call is told the slot is taken', async () => {
    const first = await book(0, '2027-01-25T09:00:00Z');
    expect(first).toMatchObject({
      ok: true,
      value: { status: 'booked', startsAt: '2027-01-25T09:00:00.000Z', endsAt: '2027-01-25T09:30:00.000Z' },
    });
    const retry = await book(0, '2027-01-25T09:00:00Z');
    expect(retry).toEqual(first);
    const rival = await book(1, '2027-01-25T09:00:00Z');
    expect(rival).toEqual({ ok: false, error: expect.stringMatching(/already booked/) });
    const rows = await prisma.appointment.findMany({
      where: { agentId, startsAt: new Date('2027-01-25T09:00:00Z') },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      customerId,
      createdByCallId: callIds[0],
      timeZone: 'UTC',
      status: 'booked',
    });
  });

  it('refuses off-grid, outside-hours and past slots without writing', async () => {
    const before = await prisma.appointment.count();
    expect(await book(0, '2027-01-25T09:10:00Z')).toEqual({
      ok: false,
      error: expect.stringMatching(/bookable slots/),
    });
    expect(await book(0, '2027-01-25T13:00:00Z')).toEqual({
      ok: false,
      error: expect.stringMatching(/bookable slots/),
    });
    expect(await book(0, '2027-01-11T09:00:00Z')).toEqual({
      ok: false,
      error: expect.stringMatching(/past/),
    });
    expect(await prisma.appointment.count()).toBe(before);
  });

  it("follows an edit of the agent's hours made after its schedule was cached", async () => {
    // Cached: Monday 09:00-12:00. Now Mondays are 14:00-16:00 only.
    expect(await book(0, '2027-01-25T10:00:00Z')).toMatchObject({ ok: true });
    await prisma.agent.update({
      where: { id: agentId },
      data: { businessHours: { mon: [['14:00', '16:00']] } },
    });
    const before = await prisma.appointment.count();
    // Allowed by the cached hours, forbidden by the new ones: the statement must not insert.
    expect(await book(0, '2027-01-25T11:00:00Z')).toEqual({
      ok: false,
      error: expect.stringMatching(/bookable slots/),
    });
    expect(await prisma.appointment.count()).toBe(before);
    // Forbidden by the old hours, allowed by the new ones.
    expect(await book(0, '2027-01-25T14:30:00Z')).toMatchObject({
      ok: true,
      value: { startsAt: '2027-01-25T14:30:00.000Z' },
    });
    // A longer slot length after caching: the booking takes the new length.
    await prisma.agent.update({ where: { id: agentId }, data: { slotMinutes: 60 } });
    expect(await book(0, '2027-01-25T15:00:00Z')).toMatchObject({
      ok: true,
      value: { endsAt: '2027-01-25T16:00:00.000Z' },
    });
  });

  it('lets exactly one of many concurrent bookings of a slot win', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => book(i % 2, '2027-02-01T14:00:00Z')),
    );
    const wins = results.filter((r) => r.ok);
    expect(new Set(wins.map((r) => r.ok && r.value.appointmentId)).size).toBe(1);
    expect(
      await prisma.appointment.count({
        where: { agentId, startsAt: new Date('2027-02-01T14:00:00Z'), status: { not: 'cancelled' } },
      }),
    ).toBe(1);
  });

  it("reschedules and cancels only the caller's own appointment, under the agent's current hours", async () => {
    await prisma.agent.update({
      where: { id: agentId },
      data: { slotMinutes: 30, businessHours: { mon: [['09:00', '12:00']] } },
    });
    const booked = await book(0, '2027-03-01T09:00:00Z');
    if (!booked.ok) throw new Error(booked.error);
    const { appointmentId } = booked.value;
    const stranger = await prisma.customer.create({ data: { phone: '+14155550124' } });
    const move = (startsAt: string, who = customerId) =>
      acts.rescheduleAppointment({ appointmentId, customerId: who, startsAt: at(startsAt) });

    expect(await move('2027-03-01T10:00:00Z', stranger.id)).toEqual({
      ok: false,
      error: expect.stringMatching(/no such/),
    });
    expect(await move('2027-03-01T10:00:00Z')).toMatchObject({
      ok: true,
      value: {
        appointmentId,
        status: 'rescheduled',
        startsAt: '2027-03-01T10:00:00.000Z',
        endsAt: '2027-03-01T10:30:00.000Z',
      },
    });
    // Someone else holds 11:00: the move is refused and the appointment stays where it was.
    expect(await book(1, '2027-03-01T11:00:00Z')).toMatchObject({ ok: true });
    expect(await move('2027-03-01T11:00:00Z')).toEqual({
      ok: false,
      error: expect.stringMatching(/already booked/),
    });
    // Hours changed after the schedule was cached: 10:30 is no longer bookable.
    await prisma.agent.update({
      where: { id: agentId },
      data: { businessHours: { mon: [['09:00', '10:30']] } },
    });
    expect(await move('2027-03-01T10:30:00Z')).toEqual({
      ok: false,
      error: expect.stringMatching(/bookable slots/),
    });
    expect(await prisma.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).toMatchObject({
      startsAt: new Date('2027-03-01T10:00:00Z'),
      status: 'rescheduled',
    });

    const cancel = (who = customerId) => acts.cancelAppointment({ appointmentId, customerId: who });
    expect(await cancel(stranger.id)).toEqual({ ok: false, error: expect.stringMatching(/no such/) });
    const cancelled = await cancel();
    expect(cancelled).toMatchObject({ ok: true, value: { appointmentId, status: 'cancelled' } });
    expect(await cancel()).toEqual(cancelled);
    const row = await prisma.appointment.findUniqueOrThrow({ where: { id: appointmentId } });
    expect(row.cancelledAt?.toISOString()).toBe(NOW.toISOString());
    expect(await move('2027-03-01T09:30:00Z')).toEqual({
      ok: false,
      error: expect.stringMatching(/was cancelled/),
    });
  });

  it('fails clearly for an unknown agent', async () => {
    await expect(
      acts.bookAppointment({
        agentId: '0190b4a8-0000-7000-8000-000000000000',
        customerId,
        callId: callIds[0] as string,
        startsAt: at('2027-01-25T09:00:00Z'),
      }),
    ).rejects.toThrow();
  });
});
