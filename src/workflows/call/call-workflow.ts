import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { type CallState, type CallWorkflowInput, isTerminalStatus } from '../../domain/call.ts';
import { SA } from '../search-attributes.ts';
import { CallLifecycle } from './call-lifecycle.ts';
import * as contract from './contract.ts';
import { registerToolUpdates } from './tool-updates.ts';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    maximumInterval: '5 seconds',
    nonRetryableErrorTypes: ['NoAgent'],
  },
});

const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_DURATION_MS = 60 * 60_000;
/** How long Twilio may take to connect the media stream once the call is answered. */
const RINGING_TIMEOUT_MS = 2 * 60_000;
/** After the agent asked to end, give the node this long to say goodbye and hang up itself. */
const GOODBYE_GRACE_MS = 30_000;

/**
 * One workflow per call (`call:<CallSid>`): records the call, serves the state-changing tools as
 * Updates, ends the call exactly once (status callback or stream stop, whichever is first), and
 * closes calls whose media node died, after asking Twilio what really happened.
 */
export async function callWorkflow(input: CallWorkflowInput & { transferTo?: string }): Promise<CallState> {
  const call = new CallLifecycle(input.callSid);
  setHandler(contract.callStatusSignal, ({ status }) => call.onStatus(status));
  setHandler(contract.mediaStartedSignal, () => call.onMediaStarted());
  setHandler(contract.mediaHeartbeatSignal, () => {
    call.heartbeatSeen = true;
  });
  setHandler(contract.mediaStoppedSignal, ({ reason }) => call.onMediaStopped(reason));
  setHandler(contract.callStateQuery, () => call.snapshot());
  registerToolUpdates(call, acts, input.transferTo);

  const started = await acts.startCall({ ...input, workflowId: workflowInfo().workflowId });
  Object.assign(call, { callId: started.callId, customerId: started.customerId, agentId: started.agentId });
  upsertSearchAttributes([
    { key: SA.callSid, value: input.callSid },
    { key: SA.callDirection, value: input.direction },
    ...(started.customerPhone ? [{ key: SA.customerPhone, value: started.customerPhone }] : []),
    ...(input.campaignId ? [{ key: SA.campaignId, value: input.campaignId }] : []),
  ]);

  if (await condition(() => call.phase !== 'ringing', RINGING_TIMEOUT_MS)) {
    if (call.answered) await acts.markCallLive({ callId: started.callId });
    if (!call.end) await superviseLiveCall(call, input);
  } else {
    await endFromTelephony(call, 'media never connected');
  }
  await acts.closeCall({
    callId: started.callId,
    status: call.end?.status ?? 'completed',
    outcome: call.outcome(),
  });
  call.phase = 'ended';
  upsertSearchAttributes([{ key: SA.callOutcome, value: call.outcome() }]);
  await condition(allHandlersFinished);
  await call.settleFollowUps();
  return call.snapshot();
}

/** Waits for the call to end while the media node keeps signalling that it serves it. */
async function superviseLiveCall(call: CallLifecycle, input: CallWorkflowInput): Promise<void> {
  const heartbeatMs = input.mediaHeartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
  const deadline = Date.now() + (input.maxDurationMs ?? DEFAULT_MAX_DURATION_MS);
  while (!call.end) {
    call.heartbeatSeen = false;
    const waitMs = Math.min(heartbeatMs, Math.max(1, deadline - Date.now()));
    await condition(() => call.end !== undefined || call.heartbeatSeen, waitMs);
    if (call.end) return;
    if (Date.now() >= deadline) return hangUp(call, 'maximum call duration reached');
    if (call.endRequestedAt !== undefined && Date.now() - call.endRequestedAt > GOODBYE_GRACE_MS) {
      return hangUp(call, 'agent ended the call');
    }
    if (!call.heartbeatSeen) return endFromTelephony(call, 'media lost');
  }
}

/** The media node is silent: Twilio's own view of the call decides how it ended. */
async function endFromTelephony(call: CallLifecycle, why: string): Promise<void> {
  const status = await acts.fetchTelephonyStatus({ callSid: call.callSid });
  if (status !== 'unknown' && isTerminalStatus(status)) {
    call.finish(status, `${why}; telephony reports ${status}`);
    return;
  }
  await hangUp(call, why);
}

async function hangUp(call: CallLifecycle, why: string): Promise<void> {
  await acts.hangUpCall({ callSid: call.callSid });
  call.finish('completed', why);
}
