import { findAvailableSlots, isScheduleSlot, type Schedule, type Slot } from '../domain/availability.ts';
import type { AppointmentView, ToolResult } from '../domain/call.ts';
import { agentSchedule, ScheduleCache } from './agent-schedules.ts';
import { orderedIds } from './campaigns.ts';
import type { Appointment, PrismaClient } from './client.ts';

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

export async function rescheduleBooking(
  prisma: PrismaClient,
  req: { appointmentId: string; customerId: string; startsAt: Date; now: Date },
): Promise<ToolResult<AppointmentView>> {
  const existing = await ownAppointment(prisma, req.appointmentId, req.customerId);
  if (!existing) return { ok: false, error: 'no such appointment for this caller' };
  if (existing.status === 'cancelled') return { ok: false, error: 'that appointment was cancelled' };
  const schedule = await agentSchedule(prisma, existing.agentId);
  const slot = slotAt(schedule, req.startsAt);
  const refusal = checkSlot(schedule, slot, req.now);
  if (refusal) return { ok: false, error: refusal };
  try {
    const updated = await prisma.appointment.update({
      where: { id: existing.id },
      data: { startsAt: slot.startsAt, endsAt: slot.endsAt, status: 'rescheduled' },
    });
    return { ok: true, value: view(updated) };
  } catch (err) {
    if (isUniqueViolation(err))
      return { ok: false, error: 'that slot is already booked; offer another free slot' };
    throw err;
  }
}

export async function cancelBooking(
  prisma: PrismaClient,
  req: { appointmentId: string; customerId: string; now: Date },
): Promise<ToolResult<AppointmentView>> {
  const existing = await ownAppointment(prisma, req.appointmentId, req.customerId);
  if (!existing) return { ok: false, error: 'no such appointment for this caller' };
  if (existing.status === 'cancelled') return { ok: true, value: view(existing) };
  const updated = await prisma.appointment.update({
    where: { id: existing.id },
    data: { status: 'cancelled', cancelledAt: req.now },
  });
  return { ok: true, value: view(updated) };
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
