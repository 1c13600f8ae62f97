import type { DialDisposition } from '../../db/enums.ts';

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
}

export interface OutboundCallResult {
  disposition: DialDisposition;
  callSid?: string;
  /** Why the call did not connect (Twilio error code or message), for the attempt record. */
  detail?: string;
}
