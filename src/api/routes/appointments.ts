import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { cancelBooking, rescheduleBooking } from '../../db/appointments.ts';
import type { PrismaClient } from '../../db/client.ts';
import { appointmentChangedSignal, reminderWorkflowId } from '../../workflows/reminder/contract.ts';
import { ADMINS, READERS } from '../auth/roles.ts';
import { ApiError } from '../http/errors.ts';
import type { Router } from '../http/route.ts';
import { afterCursor, cursor, idParams, isoDate, mustExist, page, pageSize, uuid } from './schemas.ts';

export interface AppointmentRoutesDeps {
  prisma: PrismaClient;
  temporal?: Client;
  now: () => Date;
}

export function appointmentRoutes(r: Router, deps: AppointmentRoutesDeps): void {
  const { prisma } = deps;
  r.add({
    method: 'GET',
    url: '/api/v1/appointments',
    access: READERS,
    tag: 'appointments',
    summary: 'List appointments by start time, latest first',
    query: z.strictObject({
      customerId: uuid.optional(),
      agentId: uuid.optional(),
      status: z.enum(['booked', 'rescheduled', 'cancelled']).optional(),
      from: isoDate.optional(),
      to: isoDate.optional(),
      limit: pageSize,
      cursor: cursor.optional(),
    }),
    handler: async ({ query }) => {
      const rows = await prisma.appointment.findMany({
        where: {
          customerId: query.customerId,
          agentId: query.agentId,
          status: query.status,
          startsAt: { gte: query.from, lt: query.to },
          ...afterCursor('startsAt', query.cursor),
        },
        orderBy: [{ startsAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      });
      return page(rows, query.limit, (a) => ({ at: a.startsAt, id: a.id }));
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/appointments/:id',
    access: READERS,
    tag: 'appointments',
    summary: 'One appointment',
    params: idParams,
    handler: async ({ params }) =>
      mustExist(await prisma.appointment.findUnique({ where: { id: params.id } }), 'appointment'),
  });
  r.add({
    method: 'POST',
    url: '/api/v1/appointments/:id/reschedule',
    access: ADMINS,
    tag: 'appointments',
    summary: 'Move an appointment to another bookable slot; the reminder workflow follows',
    params: idParams,
    body: z.strictObject({ startsAt: isoDate }),
    idempotent: true,
    audit: {
      action: 'appointment.reschedule',
      target: (a: { appointmentId: string }) => `appointment:${a.appointmentId}`,
    },
    handler: async ({ params, body }) => {
      const existing = await find(prisma, params.id);
      const result = await rescheduleBooking(prisma, {
        appointmentId: existing.id,
        customerId: existing.customerId,
        startsAt: body.startsAt,
        now: deps.now(),
      });
      if (!result.ok) throw new ApiError(409, 'conflict', result.error, 'body.startsAt');
      await notifyReminder(deps.temporal, existing.id, 'rescheduled');
      return result.value;
    },
  });
  r.add({
    method: 'POST',
    url: '/api/v1/appointments/:id/cancel',
    access: ADMINS,
    tag: 'appointments',
    summary: 'Cancel an appointment (idempotent); its reminders stop',
    params: idParams,
    idempotent: true,
    audit: {
      action: 'appointment.cancel',
      target: (a: { appointmentId: string }) => `appointment:${a.appointmentId}`,
    },
    handler: async ({ params }) => {
      const existing = await find(prisma, params.id);
      const result = await cancelBooking(prisma, {
        appointmentId: existing.id,
        customerId: existing.customerId,
        now: deps.now(),
      });
      if (!result.ok) throw new ApiError(409, 'conflict', result.error);
      await notifyReminder(deps.temporal, existing.id, 'cancelled');
      return result.value;
    },
  });
}

async function find(prisma: PrismaClient, id: string) {
  return mustExist(
    await prisma.appointment.findUnique({ where: { id }, select: { id: true, customerId: true } }),
    'appointment',
  );
}

/**
 * Tells the appointment's reminder workflow to re-read it. No workflow (no reminder was due, or
 * it already finished) is fine. Any other failure is reported as retryable: the change itself
 * is stored, and repeating the request is harmless (same slot, or already cancelled).
 */
async function notifyReminder(
  client: Client | undefined,
  appointmentId: string,
  change: 'rescheduled' | 'cancelled',
) {
  if (!client) return;
  try {
    await client.workflow
      .getHandle(reminderWorkflowId(appointmentId))
      .signal(appointmentChangedSignal, { change });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    throw new ApiError(
      503,
      'reminder_unreachable',
      'the appointment was changed but its reminders could not be told; retry the request',
      undefined,
      { 'retry-after': '5' },
    );
  }
}
