import { bookSlot, cancelBooking, rescheduleBooking, ScheduleCache } from '../db/appointments.ts';
import type { PrismaClient } from '../db/client.ts';

export interface AppointmentActivityDeps {
  prisma: PrismaClient;
  now?: () => Date;
}

/** Booking writes behind the call workflow's tool updates; business refusals come back as results. */
export function createAppointmentActivities(deps: AppointmentActivityDeps) {
  const now = deps.now ?? (() => new Date());
  // One per worker: a booking then costs one statement, which re-checks the schedule it used.
  const schedules = new ScheduleCache(deps.prisma);
  return {
    bookAppointment(input: {
      agentId: string;
      customerId: string;
      callId: string;
      startsAt: string;
      notes?: string;
    }) {
      return bookSlot(deps.prisma, { ...input, startsAt: new Date(input.startsAt), now: now() }, schedules);
    },
    rescheduleAppointment(input: { appointmentId: string; customerId: string; startsAt: string }) {
      return rescheduleBooking(
        deps.prisma,
        { ...input, startsAt: new Date(input.startsAt), now: now() },
        schedules,
      );
    },
    cancelAppointment(input: { appointmentId: string; customerId: string }) {
      return cancelBooking(deps.prisma, { ...input, now: now() });
    },
  };
}
