import {
  type BusinessHours,
  businessHoursSchema,
  findAvailableSlots,
  isScheduleSlot,
  type Schedule,
  type Slot,
} from '../domain/availability.ts';
import type { AppointmentView, ToolResult } from '../domain/call.ts';
import type { Appointment, PrismaClient } from './client.ts';

/**
 * Appointment reads and writes shared by the booking activities and the read-only
 * `findAvailableSlots` tool. Double booking is refused by the database itself (a partial unique
 * index on agent and start time), so two calls racing for one slot cannot both win.
 */

export async function agentSchedule(prisma: PrismaClient, agentId: string): Promise<Schedule> {
  const agent = await prisma.agent.findUniqueOrThrow({ where: { id: agentId } });
  const hours: BusinessHours = businessHoursSchema.parse(agent.businessHours);
  return { hours, slotMinutes: agent.slotMinutes, timeZone: agent.timeZone };
}

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

export async function bookSlot(
  prisma: PrismaClient,
  req: BookingRequest,
): Promise<ToolResult<AppointmentView>> {
  const schedule = await agentSchedule(prisma, req.agentId);
  const slot = slotAt(schedule, req.startsAt);
  const refusal = checkSlot(schedule, slot, req.now);
  if (refusal) return { ok: false, error: refusal };
  // A retried activity finds its own booking instead of reporting the slot as taken.
  const mine = await prisma.appointment.findFirst({
    where: {
      agentId: req.agentId,
      startsAt: slot.startsAt,
      createdByCallId: req.callId,
      status: { not: 'cancelled' },
    },
  });
  if (mine) return { ok: true, value: view(mine) };
  try {
    const created = await prisma.appointment.create({
      data: {
        agentId: req.agentId,
        customerId: req.customerId,
        createdByCallId: req.callId,
        startsAt: slot.startsAt,
        endsAt: slot.endsAt,
        timeZone: schedule.timeZone,
        notes: req.notes,
      },
    });
    return { ok: true, value: view(created) };
  } catch (err) {
    if (isUniqueViolation(err))
      return { ok: false, error: 'that slot is already booked; offer another free slot' };
    throw err;
  }
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

function view(a: Appointment): AppointmentView {
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
