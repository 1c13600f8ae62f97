import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DialDisposition } from '../../db/enums.ts';
import type { TwilioCallStatus } from '../../domain/call.ts';

/**
 * Outbound call messages. A campaign dials each contact attempt as a child with a deterministic
 * id; a one-off call (admin API) uses a caller-supplied request id.
 */

export const outboundCallWorkflowType = 'outboundCallWorkflow';
export const campaignDialWorkflowId = (contactId: string, attempt: number) => `dial:${contactId}:${attempt}`;
export const oneOffCallWorkflowId = (requestId: string) => `outbound:${requestId}`;

export type VoicemailAction = 'hang_up' | 'leave_message';

export interface OutboundCallInput {
  /** E.164. */
  to: string;
  /** E.164 caller id. */
  from: string;
  agentId?: string;
  campaignId?: string;
  contactId?: string;
  /** 1-based; with contactId, the unit of exactly-once dialing. */
  attempt?: number;
  /** Prompt variables for the agent (campaign variables merged with the contact's). */
  variables?: Record<string, string>;
  voicemail?: { action: VoicemailAction; message?: string };
  /** Seconds to ring before Twilio reports no-answer (default 30). */
  ringTimeoutSec?: number;
  /** Answering-machine detection (default on): needed to tell voicemail from a person. */
  machineDetection?: boolean;
}

export interface OutboundCallResult {
  disposition: DialDisposition;
  callSid?: string;
  /** Why the call did not connect (Twilio error code or message), for the attempt record. */
  detail?: string;
}

/** Twilio's progress callback for the dialed call (initiated, ringing, in-progress, terminal). */
export const dialStatusSignal =
  defineSignal<[{ callSid: string; status: TwilioCallStatus; sequence?: number }]>('dialStatus');
/** Asynchronous answering-machine detection's verdict (`human`, `machine_end_beep`, ...). */
export const answeredBySignal = defineSignal<[{ callSid: string; answeredBy: string }]>('answeredBy');
/** Sent by the answered call's own workflow (`call:<CallSid>`) when it has closed the call. */
export const outboundCallEndedSignal =
  defineSignal<[{ callSid: string; outcome: string }]>('outboundCallEnded');

/**
 * Sent by a campaign run that is about to continue as new to each of its dials still running: the
 * child's result would reach only that run, so the child reports it by `dialFinishedSignal` to the
 * campaign's workflow id instead (whichever run is current then). Idempotent.
 */
export const reportToCampaignSignal = defineSignal<[{ campaignWorkflowId: string }]>('reportToCampaign');

/** What the voice webhook needs to start the answered call's workflow. */
export interface DialContext {
  agentId?: string;
  campaignId?: string;
  contactId?: string;
  variables?: Record<string, string>;
}
export const dialContextQuery = defineQuery<DialContext>('dialContext');

export type DialPhase = 'claiming' | 'dialing' | 'ringing' | 'live' | 'voicemail' | 'done';
export const dialStateQuery = defineQuery<{
  phase: DialPhase;
  callSid?: string;
  disposition?: DialDisposition;
}>('dialState');
