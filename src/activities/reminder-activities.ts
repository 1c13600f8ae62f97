import type { PrismaClient } from '../db/client.ts';
import {
  claimDelivery,
  loadReminderTarget,
  markDeliverySent,
  markDeliveryUnsent,
  type ReminderTarget,
} from '../db/reminder-deliveries.ts';
import { ProviderError } from '../domain/errors.ts';
import { DEFAULT_REMINDER_TEMPLATE, renderReminderMessage } from '../domain/reminder-message.ts';
import type { QuietHours } from '../domain/reminder-plan.ts';
import type { Logger } from '../logger.ts';
import type { Messaging } from '../providers/ports.ts';

export type ReminderChannel = 'sms' | 'call';

/** Deployment-wide reminder settings (src/config.ts); a workflow's input may override the timing. */
export interface ReminderSettings {
  offsetsMs: number[];
  quietHours: QuietHours | null;
  channel: ReminderChannel;
  template?: string;
  /** Sender when the agent has no phone number of its own. */
  fromNumber?: string;
  /** Public URL of the realtime node's `/twilio/message-status` route. */
  statusCallbackUrl?: string;
  businessName?: string;
}

export const DEFAULT_REMINDER_SETTINGS: ReminderSettings = {
  offsetsMs: [24 * 3_600_000, 2 * 3_600_000],
  quietHours: { start: '21:00', end: '08:00' },
  channel: 'sms',
};

export interface ReminderActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  messaging?: Messaging;
  reminders?: ReminderSettings;
  now?: () => Date;
}

export interface ReminderAppointment {
  status: ReminderTarget['status'];
  startsAt: string;
  timeZone: string;
  settings: Pick<ReminderSettings, 'offsetsMs' | 'quietHours' | 'channel'>;
}

export interface SendReminderInput {
  appointmentId: string;
  /** The start time the workflow planned for; a different one in the database means it moved. */
  startsAt: string;
  offsetSeconds: number;
  channel: ReminderChannel;
}

export type SendReminderResult =
  | { status: 'sent'; messageSid: string; reconciled: boolean }
  | { status: 'already-handled'; deliveryStatus: string; messageSid: string | null }
  | { status: 'stale'; reason: string }
  | { status: 'failed' | 'skipped'; reason: string };

/** Slack for clock differences between this host and Twilio when reconciling. */
const RECONCILE_SLACK_MS = 5 * 60_000;

export function createReminderActivities(deps: ReminderActivityDeps) {
  const settings = deps.reminders ?? DEFAULT_REMINDER_SETTINGS;
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'reminders' });

  return {
    async loadReminderAppointment(input: { appointmentId: string }): Promise<ReminderAppointment | null> {
      const target = await loadReminderTarget(deps.prisma, input.appointmentId);
      if (!target) return null;
      const { offsetsMs, quietHours, channel } = settings;
      return {
        status: target.status,
        startsAt: target.startsAt.toISOString(),
        timeZone: target.timeZone,
        settings: { offsetsMs, quietHours, channel },
      };
    },

    /**
     * Sends one reminder at most once. Re-reads the appointment first: a cancelled, moved or
     * already started appointment gets nothing. The claim row is written before the vendor is
     * asked; a retry that finds a claim without a MessageSid looks the message up at Twilio
     * (the send may have succeeded with its answer lost) before sending.
     */
    async sendAppointmentReminder(input: SendReminderInput): Promise<SendReminderResult> {
      const target = await loadReminderTarget(deps.prisma, input.appointmentId);
      const stale = staleReason(target, input, now());
      if (stale || !target) return { status: 'stale', reason: stale ?? 'appointment not found' };
      const from = target.senderPhone ?? settings.fromNumber ?? null;
      const body = renderReminderMessage(settings.template ?? DEFAULT_REMINDER_TEMPLATE, {
        customerName: target.customerName,
        businessName: settings.businessName ?? target.agentName,
        startsAt: target.startsAt,
        timeZone: target.timeZone,
      });
      const { row, fresh } = await claimDelivery(deps.prisma, {
        appointmentId: target.appointmentId,
        appointmentStartsAt: target.startsAt,
        offsetSeconds: input.offsetSeconds,
        channel: input.channel,
        to: target.customerPhone,
        from,
        body,
      });
      if (!fresh && row.status !== 'claimed') {
        return { status: 'already-handled', deliveryStatus: row.status, messageSid: row.messageSid };
      }
      const unusable = unusableChannel(input.channel, deps.messaging, from);
      if (unusable) {
        await markDeliveryUnsent(deps.prisma, row.id, { status: 'skipped', reason: unusable });
        log.warn({ appointmentId: input.appointmentId, reason: unusable }, 'reminder not sent');
        return { status: 'skipped', reason: unusable };
      }
      const messaging = deps.messaging as Messaging;
      if (!fresh) {
        const since = new Date(row.claimedAt.getTime() - RECONCILE_SLACK_MS);
        const earlier = (await messaging.listSentTo(row.to, since)).find((m) => m.body === row.body);
        if (earlier) {
          await markDeliverySent(deps.prisma, row.id, earlier.sid, earlier.status);
          return { status: 'sent', messageSid: earlier.sid, reconciled: true };
        }
      }
      return send(messaging, row.id, { to: row.to, from: from as string, body: row.body });
    },
  };

  async function send(
    messaging: Messaging,
    id: string,
    message: { to: string; from: string; body: string },
  ): Promise<SendReminderResult> {
    try {
      const sent = await messaging.send({ ...message, statusCallbackUrl: settings.statusCallbackUrl });
      await markDeliverySent(deps.prisma, id, sent.sid, sent.status);
      return { status: 'sent', messageSid: sent.sid, reconciled: false };
    } catch (err) {
      if (err instanceof ProviderError && !err.retryable) {
        // Twilio refused this message (bad number, unsubscribed, auth): trying again cannot help.
        const reason = err.message;
        await markDeliveryUnsent(deps.prisma, id, { status: 'failed', reason, errorCode: errorCodeOf(err) });
        return { status: 'failed', reason };
      }
      // Retryable: the claim stays; the next attempt reconciles before sending again.
      throw err;
    }
  }
}

function staleReason(target: ReminderTarget | null, input: SendReminderInput, at: Date): string | undefined {
  if (!target) return 'appointment not found';
  if (target.status === 'cancelled') return 'appointment cancelled';
  if (target.startsAt.toISOString() !== new Date(input.startsAt).toISOString()) return 'appointment moved';
  if (target.startsAt.getTime() <= at.getTime()) return 'appointment already started';
  return undefined;
}

function unusableChannel(channel: ReminderChannel, messaging: Messaging | undefined, from: string | null) {
  // The workflow places reminder calls itself (claimReminderCall + a child outbound call).
  if (channel === 'call') return 'reminder calls are not sent through this activity';
  if (!messaging) return 'no messaging provider is configured';
  if (!from)
    return 'no sender number: the agent has no phone number, no call to take it from, and REMINDER_SMS_FROM is unset';
  return undefined;
}

function errorCodeOf(err: ProviderError): string | undefined {
  const cause = err.cause as { code?: unknown } | undefined;
  return typeof cause?.code === 'number' ? String(cause.code) : undefined;
}
