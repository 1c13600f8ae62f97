import { z } from 'zod';
import { lazySchema } from './lazy-schema.ts';

/**
 * The call's shared vocabulary: what the realtime node, the call workflow and the API say to
 * each other. Tool argument schemas live here so the LLM's arguments are validated by the same
 * code in the update validator (before anything is recorded) and in the activity.
 */

/** Twilio's CallStatus values (hyphenated, as on the wire). */
export const TWILIO_CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
] as const;
export type TwilioCallStatus = (typeof TWILIO_CALL_STATUSES)[number];

export const TERMINAL_CALL_STATUSES: readonly TwilioCallStatus[] = [
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
];

export function isTerminalStatus(status: TwilioCallStatus): boolean {
  return TERMINAL_CALL_STATUSES.includes(status);
}

export interface CallWorkflowInput {
  callSid: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  /** The media node must signal at least this often while the call is live. */
  mediaHeartbeatTimeoutMs?: number;
  /** Hard ceiling on a call's length. */
  maxDurationMs?: number;
  campaignId?: string;
  campaignContactId?: string;
  /** Outbound: the agent the campaign or one-off call chose (else the caller id's owner). */
  agentId?: string;
  /** Outbound: prompt variables ({{name}} in the agent's prompt and greeting). */
  variables?: Record<string, string>;
  /** Outbound: the workflow that placed the call; told when the call closes. */
  outboundWorkflowId?: string;
}

export type CallPhase = 'ringing' | 'live' | 'ending' | 'ended';

export interface CallState {
  callSid: string;
  callId?: string;
  customerId?: string | null;
  agentId?: string;
  phase: CallPhase;
  outcome?: string;
  endReason?: string;
  appointmentIds: string[];
  transferredTo?: string;
  /** Prompt variables of an outbound call, for the media node to render the agent's greeting. */
  variables?: Record<string, string>;
}

export const isoInstant = lazySchema(() => z.iso.datetime({ offset: true }));

export const bookAppointmentArgs = lazySchema(() =>
  z.strictObject({
    startsAt: isoInstant.describe('Start of a free slot from findAvailableSlots, ISO 8601 with offset'),
    notes: z.string().max(500).optional(),
  }),
);
export type BookAppointmentArgs = z.infer<typeof bookAppointmentArgs>;

export const rescheduleAppointmentArgs = lazySchema(() =>
  z.strictObject({
    appointmentId: z.uuid(),
    startsAt: isoInstant,
  }),
);
export type RescheduleAppointmentArgs = z.infer<typeof rescheduleAppointmentArgs>;

export const cancelAppointmentArgs = lazySchema(() =>
  z.strictObject({
    appointmentId: z.uuid(),
    reason: z.string().max(500).optional(),
  }),
);
export type CancelAppointmentArgs = z.infer<typeof cancelAppointmentArgs>;

export const transferArgs = lazySchema(() =>
  z.strictObject({
    reason: z.string().max(500).optional(),
  }),
);
export type TransferArgs = z.infer<typeof transferArgs>;

export const endCallArgs = lazySchema(() =>
  z.strictObject({
    reason: z.string().max(200).optional(),
  }),
);
export type EndCallArgs = z.infer<typeof endCallArgs>;

export const optOutArgs = lazySchema(() =>
  z.strictObject({
    reason: z.string().max(200).optional(),
  }),
);
export type OptOutArgs = z.infer<typeof optOutArgs>;

/** What a tool returns to the LLM: a result, or a business refusal it can talk about. */
export type ToolResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface AppointmentView {
  appointmentId: string;
  startsAt: string;
  endsAt: string;
  status: 'booked' | 'rescheduled' | 'cancelled';
}
