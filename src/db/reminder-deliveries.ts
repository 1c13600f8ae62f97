import type { PrismaClient, ReminderDelivery } from './client.ts';

/**
 * Reminder deliveries: the claim row written before a message is sent (so a retried activity
 * never sends twice) and the delivery status Twilio reports afterwards.
 */

export interface ReminderTarget {
  appointmentId: string;
  status: 'booked' | 'rescheduled' | 'cancelled';
  startsAt: Date;
  /** The customer's zone when known, else the zone the appointment was booked in. */
  timeZone: string;
  customerPhone: string;
  customerName: string | null;
  agentName: string;
  /** Speaks on a reminder call. */
  agentId: string;
  /**
   * The number the customer knows: one the agent answers, else the one the booking call was
   * between (what they dialled, or what called them). Replies and call-backs reach the agent.
   */
  senderPhone: string | null;
}

const E164 = /^\+[1-9]\d{1,14}$/;

export async function loadReminderTarget(
  prisma: PrismaClient,
  appointmentId: string,
): Promise<ReminderTarget | null> {
  const a = await prisma.appointment.findUnique({
    where: { id: appointmentId },
    include: {
      customer: true,
      agent: { include: { phoneNumbers: { orderBy: { createdAt: 'asc' }, take: 1 } } },
      createdByCall: { select: { direction: true, from: true, to: true } },
    },
  });
  if (!a) return null;
  const call = a.createdByCall;
  const callNumber = call ? (call.direction === 'inbound' ? call.to : call.from) : null;
  return {
    appointmentId: a.id,
    status: a.status,
    startsAt: a.startsAt,
    timeZone: a.customer.timeZone ?? a.timeZone,
    customerPhone: a.customer.phone,
    customerName: a.customer.name,
    agentName: a.agent.name,
    agentId: a.agentId,
    senderPhone: a.agent.phoneNumbers[0]?.phone ?? (callNumber && E164.test(callNumber) ? callNumber : null),
  };
}

export interface DeliveryClaim {
  appointmentId: string;
  appointmentStartsAt: Date;
  offsetSeconds: number;
  channel: 'sms' | 'call';
  to: string;
  from: string | null;
  body: string;
}

/** Inserts the claim, or returns the row an earlier attempt left (`fresh: false`). */
export async function claimDelivery(
  prisma: PrismaClient,
  claim: DeliveryClaim,
): Promise<{ row: ReminderDelivery; fresh: boolean }> {
  const key = {
    appointmentId: claim.appointmentId,
    appointmentStartsAt: claim.appointmentStartsAt,
    offsetSeconds: claim.offsetSeconds,
  };
  // ON CONFLICT DO NOTHING, then read: two racing attempts agree on one row without an error.
  const created = await prisma.reminderDelivery.createMany({ data: [claim], skipDuplicates: true });
  const row = await prisma.reminderDelivery.findUniqueOrThrow({
    where: { appointmentId_appointmentStartsAt_offsetSeconds: key },
  });
  return { row, fresh: created.count === 1 };
}

export function markDeliverySent(prisma: PrismaClient, id: string, messageSid: string, status: string) {
  return prisma.reminderDelivery.update({
    where: { id },
    data: { messageSid, status: deliveryStatus(status) ?? 'queued', sentAt: new Date() },
  });
}

export function markDeliveryUnsent(
  prisma: PrismaClient,
  id: string,
  outcome: { status: 'failed' | 'skipped'; reason: string; errorCode?: string },
) {
  return prisma.reminderDelivery.update({
    where: { id },
    data: { status: outcome.status, reason: outcome.reason, errorCode: outcome.errorCode ?? null },
  });
}

type TrackedStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';

/** Twilio's message statuses mapped onto ours; intermediate ones (sending, accepted) onto queued/sent. */
function deliveryStatus(twilioStatus: string): TrackedStatus | undefined {
  switch (twilioStatus) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
      return 'queued';
    case 'sending':
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'undelivered':
      return 'undelivered';
    case 'failed':
      return 'failed';
    default:
      return undefined;
  }
}

/** Statuses a callback may move a row away from; callbacks can arrive out of order. */
const EARLIER: Record<TrackedStatus, TrackedStatus[]> = {
  queued: [],
  sent: ['queued'],
  delivered: ['queued', 'sent'],
  undelivered: ['queued', 'sent'],
  failed: ['queued', 'sent'],
};

/**
 * Applies a status callback. Only moves forward (a late `sent` never overwrites `delivered`);
 * returns false for an unknown message or status, which the route still acknowledges.
 */
export async function recordMessageStatus(
  prisma: PrismaClient,
  update: { messageSid: string; status: string; errorCode?: string },
): Promise<boolean> {
  const status = deliveryStatus(update.status);
  if (!status) return false;
  const changed = await prisma.reminderDelivery.updateMany({
    where: { messageSid: update.messageSid, status: { in: EARLIER[status] } },
    data: { status, ...(update.errorCode ? { errorCode: update.errorCode } : {}) },
  });
  if (changed.count > 0) return true;
  return (await prisma.reminderDelivery.count({ where: { messageSid: update.messageSid } })) > 0;
}
