import type { PrismaClient } from '../db/client.ts';
import type { DialDisposition } from '../db/enums.ts';
import { claimDelivery, loadReminderTarget, markDeliveryUnsent } from '../db/reminder-deliveries.ts';
import {
  DEFAULT_REMINDER_TEMPLATE,
  formatLocalTime,
  renderReminderMessage,
} from '../domain/reminder-message.ts';
import type { Logger } from '../logger.ts';
import type { OutboundCallInput } from '../workflows/outbound/contract.ts';
import {
  DEFAULT_REMINDER_SETTINGS,
  type ReminderSettings,
  type SendReminderInput,
} from './reminder-activities.ts';

export interface ReminderCallActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  reminders?: ReminderSettings;
  now?: () => Date;
}

export type ReminderCallClaim =
  /** Dial now: the workflow starts the outbound call and reports its disposition back. */
  | { status: 'dial'; deliveryId: string; call: OutboundCallInput }
  | { status: 'already-handled'; deliveryStatus: string; callSid: string | null }
  | { status: 'stale'; reason: string }
  | { status: 'skipped'; reason: string };

type CallDeliveryStatus = 'delivered' | 'undelivered' | 'failed' | 'skipped';

/** What a reminder call's disposition means for the reminder. */
export function callDeliveryStatus(disposition: DialDisposition): CallDeliveryStatus {
  switch (disposition) {
    case 'answered':
    // The box took the reminder as a message (the call leaves one once its greeting ends).
    case 'voicemail':
      return 'delivered';
    case 'busy':
    case 'no_answer':
    case 'canceled':
      return 'undelivered';
    case 'do_not_call':
    case 'outside_calling_hours':
      return 'skipped';
    default:
      return 'failed';
  }
}

/**
 * The call channel of appointment reminders. The claim row (unique per appointment, start time
 * and offset) is written first, as for SMS; the dial itself is the reminder workflow's child
 * `outboundCallWorkflow` under an id derived from the same key, so neither a retried activity
 * nor a re-run workflow can dial twice.
 */
export function createReminderCallActivities(deps: ReminderCallActivityDeps) {
  const settings = deps.reminders ?? DEFAULT_REMINDER_SETTINGS;
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'reminder-calls' });

  return {
    async claimReminderCall(input: SendReminderInput): Promise<ReminderCallClaim> {
      const target = await loadReminderTarget(deps.prisma, input.appointmentId);
      if (!target) return { status: 'stale', reason: 'appointment not found' };
      if (target.status === 'cancelled') return { status: 'stale', reason: 'appointment cancelled' };
      if (target.startsAt.toISOString() !== new Date(input.startsAt).toISOString())
        return { status: 'stale', reason: 'appointment moved' };
      if (target.startsAt.getTime() <= now().getTime())
        return { status: 'stale', reason: 'appointment already started' };
      const from = target.senderPhone ?? settings.fromNumber ?? null;
      const businessName = settings.businessName ?? target.agentName;
      const body = renderReminderMessage(settings.template ?? DEFAULT_REMINDER_TEMPLATE, {
        customerName: target.customerName,
        businessName,
        startsAt: target.startsAt,
        timeZone: target.timeZone,
      });
      const { row, fresh } = await claimDelivery(deps.prisma, {
        appointmentId: target.appointmentId,
        appointmentStartsAt: target.startsAt,
        offsetSeconds: input.offsetSeconds,
        channel: 'call',
        to: target.customerPhone,
        from,
        body,
      });
      if (!fresh && row.status !== 'claimed')
        return { status: 'already-handled', deliveryStatus: row.status, callSid: row.callSid };
      if (!from) {
        const reason = 'no caller id: the agent has no phone number and REMINDER_SMS_FROM is unset';
        await markDeliveryUnsent(deps.prisma, row.id, { status: 'skipped', reason });
        log.warn({ appointmentId: input.appointmentId, reason }, 'reminder call not placed');
        return { status: 'skipped', reason };
      }
      return {
        status: 'dial',
        deliveryId: row.id,
        call: {
          to: row.to,
          from,
          agentId: target.agentId,
          // The agent's greeting and prompt may use these ({{appointment_time}} ...).
          variables: {
            ...(target.customerName ? { customer_name: target.customerName } : {}),
            // Unset, the realtime node's own business name applies, as on any call.
            ...(settings.businessName ? { business_name: settings.businessName } : {}),
            appointment_time: formatLocalTime(target.startsAt, target.timeZone),
            reminder_message: body,
          },
          voicemail: { action: 'leave_message', message: body },
        },
      };
    },

    /** Records the call's disposition on the claim once; a repeat changes nothing. */
    async recordReminderCall(input: {
      deliveryId: string;
      disposition: DialDisposition;
      callSid?: string;
      detail?: string;
    }): Promise<{ deliveryStatus: CallDeliveryStatus }> {
      const status = callDeliveryStatus(input.disposition);
      await deps.prisma.reminderDelivery.updateMany({
        where: { id: input.deliveryId, status: 'claimed' },
        data: {
          status,
          callSid: input.callSid ?? null,
          reason: input.detail ? `${input.disposition}: ${input.detail}` : input.disposition,
          ...(status === 'delivered' ? { sentAt: now() } : {}),
        },
      });
      return { deliveryStatus: status };
    },
  };
}
