import { findAvailableSlots, isScheduleSlot, type Schedule, type Slot } from '../domain/availability.ts';
import type { AppointmentView, ToolResult } from '../domain/call.ts';
import { agentSchedule, ScheduleCache } from './agent-schedules.ts';
import type { Appointment, PrismaClient } from './client.ts';
import { orderedIds } from './ids.ts';

export { agentSchedule, ScheduleCache };

/**
 * Appointment reads and writes shared by the booking activities and the read-only
 * `findAvailableSlots` tool. Double booking is refused by the database itself (a partial unique
 * index on agent and start time), so two calls racing for one slot cannot both win.
 */

export async function listFreeSlots(
  prisma: PrismaClient,
  query: { agentId: string; from: Date; to: Date; limit?: number },
): Promise<Slot[]> {
  const schedule = await agentSchedule(prisma, query.agentId);
  const busy = await prisma.appointment.findMany({
    where: {
      agentId: query.agentId,
      status: { not: 'cancelled' },
      startsAt: { lt: query.to },
      endsAt: { gt: query.from },
    },
    select: { startsAt: true, endsAt: true },
  });
  return findAvailableSlots(schedule, { from: query.from, to: query.to, busy, limit: query.limit });
}

export interface BookingRequest {
  agentId: string;
  customerId: string;
  callId: string;
  startsAt: Date;
  notes?: string;
  now: Date;
}

const SLOT_TAKEN = 'that slot is already booked; offer another free slot';

/**
 * Books one slot in one database round trip (the caller is waiting on the line). The schedule
 * check runs here against `schedules` (cached, or read now without one); the statement then
 * inserts only while the agent row still holds that schedule, and a retried booking gets its own
 * row back instead of "taken". A changed agent makes the statement insert nothing: the schedule is
 * read again and the booking checked and tried once more.
 */
export async function bookSlot(
  prisma: PrismaClient,
  req: BookingRequest,
  schedules: ScheduleCache = new ScheduleCache(prisma),
): Promise<ToolResult<AppointmentView>> {
  let { schedule, fresh } = await schedules.get(req.agentId);
  for (;;) {
    const slot = slotAt(schedule, req.startsAt);
    const refusal = checkSlot(schedule, slot, req.now);
    if (refusal && fresh) return { ok: false, error: refusal };
    if (!refusal) {
      const outcome = await insertIfFree(prisma, req, schedule, slot);
      if (outcome.kind === 'booked') return { ok: true, value: outcome.view };
      if (outcome.kind === 'taken') return { ok: false, error: SLOT_TAKEN };
      // The agent's schedule changed since it was read: a fresh read decides, or the agent is gone.
      if (fresh) throw new Error(`agent ${req.agentId} changed while booking; try again`);
    }
    schedule = await schedules.refresh(req.agentId);
    fresh = true;
  }
}

type InsertOutcome = { kind: 'booked'; view: AppointmentView } | { kind: 'taken' } | { kind: 'stale' };

interface BookingRow {
  source: 'created' | 'existing' | 'agent';
  id: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  status: string | null;
}

/**
 * One statement: `agent` is the agent row if it still has `schedule`; `mine` is this call's own
 * live booking of the slot (a retried activity); the insert runs only with the agent matched and
 * no booking of our own, and `ON CONFLICT DO NOTHING` turns a rival's booking of the slot (the
 * partial unique index on agent and start) into an empty insert instead of an error.
 */
async function insertIfFree(
  prisma: PrismaClient,
  req: BookingRequest,
  schedule: Schedule,
  slot: Slot,
): Promise<InsertOutcome> {
  const [id] = orderedIds(1);
  const rows = await prisma.$queryRaw<BookingRow[]>`
    WITH agent AS (
      SELECT id FROM agents
      WHERE id = ${req.agentId}::uuid AND slot_minutes = ${schedule.slotMinutes}
        AND time_zone = ${schedule.timeZone} AND business_hours = ${JSON.stringify(schedule.hours)}::jsonb
    ), mine AS (
      SELECT id, starts_at, ends_at, status FROM appointments
      WHERE agent_id = ${req.agentId}::uuid AND starts_at = ${slot.startsAt}::timestamptz
        AND created_by_call_id = ${req.callId}::uuid AND status <> 'cancelled'
      LIMIT 1
    ), created AS (
      INSERT INTO appointments
        (id, customer_id, agent_id, starts_at, ends_at, time_zone, notes, created_by_call_id, updated_at)
      SELECT ${id}::uuid, ${req.customerId}::uuid, agent.id, ${slot.startsAt}::timestamptz,
        ${slot.endsAt}::timestamptz, ${schedule.timeZone}, ${req.notes ?? null}, ${req.callId}::uuid, now()
      FROM agent WHERE NOT EXISTS (SELECT 1 FROM mine)
      ON CONFLICT DO NOTHING
      RETURNING id, starts_at, ends_at, status
    )
    SELECT 'created' AS source, id, starts_at, ends_at, status::text AS status FROM created
    UNION ALL SELECT 'existing', id, starts_at, ends_at, status::text FROM mine
    UNION ALL SELECT 'agent', NULL, NULL, NULL, NULL FROM agent`;
  const row = rows.find((r) => r.source !== 'agent');
  if (row?.id && row.starts_at && row.ends_at && row.status) {
    return {
      kind: 'booked',
      view: view({
        id: row.id,
        startsAt: row.starts_at,
        endsAt: row.ends_at,
        status: row.status as Appointment['status'],
      }),
    };
  }
  return rows.some((r) => r.source === 'agent') ? { kind: 'taken' } : { kind: 'stale' };
}

/**
 * Moves the caller's own appointment: one read of it, then one guarded update that lands only
 * while the agent still has the schedule the new time was checked against (see `bookSlot`).
 */
export async function rescheduleBooking(
  prisma: PrismaClient,
  req: { appointmentId: string; customerId: string; startsAt: Date; now: Date },
  schedules: ScheduleCache = new ScheduleCache(prisma),
): Promise<ToolResult<AppointmentView>> {
  const existing = await ownAppointment(prisma, req.appointmentId, req.customerId);
  if (!existing) return { ok: false, error: 'no such appointment for this caller' };
  if (existing.status === 'cancelled') return { ok: false, error: 'that appointment was cancelled' };
  let { schedule, fresh } = await schedules.get(existing.agentId);
  for (;;) {
    const slot = slotAt(schedule, req.startsAt);
    const refusal = checkSlot(schedule, slot, req.now);
    if (refusal && fresh) return { ok: false, error: refusal };
    if (!refusal) {
      const moved = await moveIfScheduleHolds(prisma, existing.id, schedule, slot);
      if (moved === 'taken') return { ok: false, error: SLOT_TAKEN };
      if (moved) return { ok: true, value: view(moved) };
      // Nothing moved: the agent's schedule changed, or the appointment was cancelled meanwhile.
      if (fresh) {
        const now = await ownAppointment(prisma, req.appointmentId, req.customerId);
        if (now?.status === 'cancelled') return { ok: false, error: 'that appointment was cancelled' };
        throw new Error(`appointment ${existing.id} changed while rescheduling; try again`);
      }
    }
    schedule = await schedules.refresh(existing.agentId);
    fresh = true;
  }
}

async function moveIfScheduleHolds(
  prisma: PrismaClient,
  appointmentId: string,
  schedule: Schedule,
  slot: Slot,
): Promise<Pick<Appointment, 'id' | 'startsAt' | 'endsAt' | 'status'> | 'taken' | undefined> {
  try {
    const rows = await prisma.$queryRaw<{ id: string; starts_at: Date; ends_at: Date; status: string }[]>`
      UPDATE appointments SET starts_at = ${slot.startsAt}::timestamptz, ends_at = ${slot.endsAt}::timestamptz,
        status = 'rescheduled', updated_at = now()
      WHERE id = ${appointmentId}::uuid AND status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM agents WHERE agents.id = appointments.agent_id AND slot_minutes = ${schedule.slotMinutes}
          AND time_zone = ${schedule.timeZone} AND business_hours = ${JSON.stringify(schedule.hours)}::jsonb)
      RETURNING id, starts_at, ends_at, status::text AS status`;
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      status: row.status as Appointment['status'],
    };
  } catch (err) {
    if (isUniqueViolation(err)) return 'taken';
    throw err;
  }
}

/** Cancels the caller's own appointment in one statement; cancelling twice is not an error. */
export async function cancelBooking(
  prisma: PrismaClient,
  req: { appointmentId: string; customerId: string; now: Date },
): Promise<ToolResult<AppointmentView>> {
  const rows = await prisma.$queryRaw<{ id: string; starts_at: Date; ends_at: Date; status: string }[]>`
    WITH own AS (
      SELECT id, starts_at, ends_at, status FROM appointments
      WHERE id = ${req.appointmentId}::uuid AND customer_id = ${req.customerId}::uuid
    ), cancelled AS (
      UPDATE appointments a SET status = 'cancelled', cancelled_at = ${req.now}::timestamptz, updated_at = now()
      FROM own WHERE a.id = own.id AND own.status <> 'cancelled'
      RETURNING a.id, a.starts_at, a.ends_at, a.status
    )
    SELECT id, starts_at, ends_at, status::text AS status FROM cancelled
    UNION ALL SELECT id, starts_at, ends_at, status::text FROM own WHERE status = 'cancelled'`;
  const row = rows[0];
  if (!row) return { ok: false, error: 'no such appointment for this caller' };
  return {
    ok: true,
    value: view({
      id: row.id,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      status: row.status as Appointment['status'],
    }),
  };
}

function ownAppointment(prisma: PrismaClient, appointmentId: string, customerId: string) {
  return prisma.appointment.findFirst({ where: { id: appointmentId, customerId } });
}

function slotAt(schedule: Schedule, startsAt: Date): Slot {
  return { startsAt, endsAt: new Date(startsAt.getTime() + schedule.slotMinutes * 60_000) };
}

function checkSlot(schedule: Schedule, slot: Slot, now: Date): string | undefined {
  if (slot.startsAt <= now) return 'that time is in the past';
  if (!isScheduleSlot(schedule, slot))
    return 'that time is not one of the bookable slots; use findAvailableSlots';
  return undefined;
}

function view(a: Pick<Appointment, 'id' | 'startsAt' | 'endsAt' | 'status'>): AppointmentView {
  return {
    appointmentId: a.id,
    startsAt: a.startsAt.toISOString(),
    endsAt: a.endsAt.toISOString(),
    status: a.status,
  };
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  return e.code === 'P2002' || e.cause?.code === '23505' || /unique constraint/i.test(e.message ?? '');
}
