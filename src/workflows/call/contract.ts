import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AppointmentView,
  BookAppointmentArgs,
  CallState,
  CancelAppointmentArgs,
  EndCallArgs,
  OptOutArgs,
  RescheduleAppointmentArgs,
  ToolResult,
  TransferArgs,
  TwilioCallStatus,
} from '../../domain/call.ts';

/**
 * Every message of the call workflow, defined once and imported by the workflow, the realtime
 * node and the API so names and payloads are typed at both ends.
 */

export const callWorkflowId = (callSid: string) => `call:${callSid}`;

/** Twilio status callback (deduplicated by the realtime node; the workflow ignores repeats too). */
export const callStatusSignal =
  defineSignal<[{ status: TwilioCallStatus; durationSec?: number }]>('callStatus');
/** The media stream started; sent once when the call's socket is verified. */
export const mediaStartedSignal = defineSignal<[{ streamSid: string; node: string }]>('mediaStarted');
/** The media node is alive and serving the call; sent periodically. */
export const mediaHeartbeatSignal = defineSignal('mediaHeartbeat');
/** The media stream ended (Twilio `stop` or the socket closed). */
export const mediaStoppedSignal = defineSignal<[{ reason: string }]>('mediaStopped');

export const callStateQuery = defineQuery<CallState>('callState');

// Tool updates: the update id is the LLM's tool-call id, so a retried tool call applies once.
export const bookAppointmentUpdate = defineUpdate<ToolResult<AppointmentView>, [BookAppointmentArgs]>(
  'bookAppointment',
);
export const rescheduleAppointmentUpdate = defineUpdate<
  ToolResult<AppointmentView>,
  [RescheduleAppointmentArgs]
>('rescheduleAppointment');
export const cancelAppointmentUpdate = defineUpdate<ToolResult<AppointmentView>, [CancelAppointmentArgs]>(
  'cancelAppointment',
);
export const transferToHumanUpdate = defineUpdate<ToolResult<{ to: string }>, [TransferArgs]>(
  'transferToHuman',
);
export const endCallUpdate = defineUpdate<ToolResult<{ ending: true }>, [EndCallArgs]>('endCall');
/** The caller asked not to be called again: do-not-call list, no retries, polite goodbye. */
export const optOutUpdate = defineUpdate<ToolResult<{ optedOut: true }>, [OptOutArgs]>('optOut');
