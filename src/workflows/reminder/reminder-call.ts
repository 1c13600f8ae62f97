import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  log,
  ParentClosePolicy,
  proxyActivities,
  rootCause,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import type { SendReminderInput } from '../../activities/reminder-activities.ts';
import { type OutboundCallResult, outboundCallWorkflowType } from '../outbound/contract.ts';
import { type ReminderOutcome, reminderCallWorkflowId } from './contract.ts';

const acts = proxyActivities<Pick<Activities, 'claimReminderCall' | 'recordReminderCall'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export type ReminderSendOutcome = { stale: string } | Omit<ReminderOutcome, 'startsAt' | 'offsetMs'>;

/**
 * A reminder by phone: claim it, place it as a one-off outbound call (the reminder's own
 * deterministic child id, used once ever), and record its delivery status from the disposition.
 * An id already taken means an earlier run of this workflow dialed: nothing is dialed again.
 */
export async function placeReminderCall(send: SendReminderInput): Promise<ReminderSendOutcome> {
  const claim = await acts.claimReminderCall(send);
  switch (claim.status) {
    case 'stale':
      return { stale: claim.reason };
    case 'already-handled':
      return { result: 'already-handled', ...(claim.callSid ? { callSid: claim.callSid } : {}) };
    case 'skipped':
      return { result: 'skipped' };
  }
  const workflowId = reminderCallWorkflowId(send.appointmentId, send.startsAt, send.offsetSeconds);
  let dialed: OutboundCallResult;
  try {
    const child = await startChild(outboundCallWorkflowType, {
      workflowId,
      args: [claim.call],
      // The call must not be cut if the reminder workflow ends (a cancel signal) meanwhile.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    dialed = (await child.result()) as OutboundCallResult;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      log.warn('reminder call was placed by an earlier run; not dialing again', { workflowId });
      return { result: 'already-handled' };
    }
    // The dial workflow failed (no telephony configured, bad input): the reason is its cause's.
    dialed = { disposition: 'failed', detail: rootCause(err) ?? String(err) };
  }
  const { deliveryStatus } = await acts.recordReminderCall({
    deliveryId: claim.deliveryId,
    disposition: dialed.disposition,
    callSid: dialed.callSid,
    detail: dialed.detail,
  });
  return { result: deliveryStatus, ...(dialed.callSid ? { callSid: dialed.callSid } : {}) };
}
