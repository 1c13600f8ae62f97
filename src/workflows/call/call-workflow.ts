import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { type CallState, type CallWorkflowInput, isTerminalStatus } from '../../domain/call.ts';
import { outboundCallEndedSignal } from '../outbound/contract.ts';
import { postCallWorkflowId, postCallWorkflowType } from '../post-call/contract.ts';
import { SA } from '../search-attributes.ts';
import { ensureChildStarted } from '../start-child.ts';
import { CallLifecycle } from './call-lifecycle.ts';
import * as contract from './contract.ts';
import { registerOptOutUpdate } from './opt-out-update.ts';
import { startCallReminders } from './reminder-follow-up.ts';
import { registerToolUpdates } from './tool-updates.ts';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    maximumInterval: '5 seconds',
    nonRetryableErrorTypes: ['NoAgent'],
  },
});

// Tool calls run as local activities: the caller is waiting on the line, and a local activity
// runs in the worker that holds the update, saving the server round trips of a task queue
// dispatch. The booking activities are idempotent (a retried booking finds its own row), which
// is what a local activity's at-least-once execution needs.
const toolActs = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5 seconds',
  localRetryThreshold: '2 seconds',
  retry: { initialInterval: '100 milliseconds', maximumInterval: '2 seconds', maximumAttempts: 5 },
});

// A recording that cannot start must not hold up or fail the call: a few tries, then carry on.
const recordingActs = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 4 },
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
  call.variables = input.variables;
  setHandler(contract.callStatusSignal, ({ status }) => call.onStatus(status));
  setHandler(contract.mediaStartedSignal, () => call.onMediaStarted());
  setHandler(contract.mediaHeartbeatSignal, () => {
    call.heartbeatSeen = true;
  });
  setHandler(contract.mediaStoppedSignal, ({ reason }) => call.onMediaStopped(reason));
  setHandler(contract.callStateQuery, () => call.snapshot());
  // Tool activities became local activities; a call that ran a tool as a regular activity before
  // this change must keep doing so when it replays (the patch marker decides, per call).
  registerToolUpdates(call, () => (patched('tool-local-activities') ? toolActs : acts), input.transferTo);
  registerOptOutUpdate(call, acts);

  const started = await acts.startCall({ ...input, workflowId: workflowInfo().workflowId });
  Object.assign(call, { callId: started.callId, customerId: started.customerId, agentId: started.agentId });
  upsertSearchAttributes([
    { key: SA.callSid, value: input.callSid },
    { key: SA.callDirection, value: input.direction },
    ...(started.customerPhone ? [{ key: SA.customerPhone, value: started.customerPhone }] : []),
    ...(input.campaignId ? [{ key: SA.campaignId, value: input.campaignId }] : []),
  ]);

  let recording: Promise<unknown> = Promise.resolve();
  if (await condition(() => call.phase !== 'ringing', RINGING_TIMEOUT_MS)) {
    if (call.answered) await acts.markCallLive({ callId: started.callId });
    if (started.recordCalls && !call.end) {
      recording = recordingActs
        .startRecording({ callId: started.callId, callSid: input.callSid })
        .catch((err: unknown) => log.warn('call recording did not start', { error: String(err) }));
    }
    if (!call.end) await superviseLiveCall(call, input);
  } else {
    await endFromTelephony(call, 'media never connected');
  }
  await recording;
  await acts.closeCall({
    callId: started.callId,
    status: call.end?.status ?? 'completed',
    outcome: call.outcome(),
  });
  call.phase = 'ended';
  upsertSearchAttributes([{ key: SA.callOutcome, value: call.outcome() }]);
  if (input.outboundWorkflowId) await tellOutboundWorkflow(input.outboundWorkflowId, call);
  // Analysis, CRM sync and reminders outlive the call (ABANDON); the call workflow only waits for
  // their starts. Reminders start here rather than only from post-call so they never wait on the
  // analysis (an LLM that may be slow or down).
  // Behind a patch: histories of calls that closed before post-call work existed must replay
  // (a query on a closed call replays it).
  if (patched('post-call-child')) {
    await Promise.all([
      ensureChildStarted(postCallWorkflowType, postCallWorkflowId(started.callId), [
        { callId: started.callId, appointmentIds: [...call.appointmentIds] },
      ]),
      startCallReminders(call),
    ]);
  }
  await condition(allHandlersFinished);
  await call.settleFollowUps();
  return call.snapshot();
}

/** The workflow that placed this call follows it to its end; a finished one needs no news. */
async function tellOutboundWorkflow(workflowId: string, call: CallLifecycle): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(outboundCallEndedSignal, {
      callSid: call.callSid,
      outcome: call.outcome(),
    });
  } catch {
    // Not found or already closed: it settled the dial from Twilio's own status.
  }
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
