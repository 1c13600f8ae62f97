import {
  type ActivityOptions,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  type LocalActivityOptions,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import type { DialDisposition } from '../../db/enums.ts';
import { isTerminalStatus } from '../../domain/call.ts';
import { SA } from '../search-attributes.ts';
import { CampaignReport } from './campaign-report.ts';
import * as contract from './contract.ts';
import { DialTracker } from './dial-tracker.ts';

const recordOptions: ActivityOptions & LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    maximumInterval: '5 seconds',
    nonRetryableErrorTypes: ['BadInput', 'UnknownContact'],
  },
};
/** Histories recorded before LEAN_DIAL_PATCH: claim and outcome as regular activities. */
const records = proxyActivities<Activities>(recordOptions);
/**
 * The claim and the outcome are a few milliseconds of idempotent Postgres writes (an upsert, and
 * updates guarded by `finishedAt IS NULL`), so they run as local activities: a crash only repeats
 * them, and each saves an activity task's dispatch, three history events and a workflow task.
 */
const localRecords = proxyLocalActivities<Activities>(recordOptions);
/**
 * Claim and outcome as local activities, and one search-attribute upsert after the dial instead of
 * one before the claim (which repeated CampaignId/CallDirection set at start) and one for the CallSid.
 * patched() itself makes the SDK upsert TemporalChangeVersion once, so a new run still has two
 * upserts; a later release can deprecatePatch once no pre-patch dial is in flight.
 */
const LEAN_DIAL_PATCH = 'outbound-lean-dial';

/**
 * The dial itself. Retried without limit while Twilio is unreachable: giving up could leave a
 * placed call unrecorded (and redialed by the campaign), while each retry first looks the call up.
 */
const dialOptions: ActivityOptions & LocalActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
};
const dialing = proxyActivities<Activities>(dialOptions);

/**
 * Since LOCAL_DIAL_PATCH a campaign attempt's dial runs as a local activity as well: a fifth to a
 * quarter less Temporal CPU per dial (bench:temporal-cost, "dialer all local"), which is what bounds a
 * campaign's dial rate. It is safe because placeDial marks the attempt row before it calls Twilio
 * and a re-run that finds the mark looks the call up first: a local activity re-run after a worker
 * crash starts again at attempt 1, so the attempt number alone would dial twice. A one-off call has
 * no attempt row to mark, so its dial stays a regular activity.
 * A run that has this patch is lean as well, and asks for it first: the SDK upserts
 * TemporalChangeVersion for every patch a new run takes, and each upsert is a visibility write on
 * the server, so a new dial takes one patch, not two. A run recorded between the two patches has
 * only the lean marker and replays on the second check.
 */
const LOCAL_DIAL_PATCH = 'outbound-local-dial';
const localDialing = proxyLocalActivities<Activities>(dialOptions);

const telephony = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 6 },
});

const DEFAULT_RING_TIMEOUT_SEC = 30;
/** Progress callbacks can be lost; past the ring timeout plus this, ask Twilio directly. */
const CALLBACK_SLACK_MS = 60_000;
/** A live call is checked with Twilio this often in case its end was never reported. */
const LIVE_CHECK_MS = 10 * 60_000;
const MAX_CALL_MS = 2 * 60 * 60_000;
/** After the voicemail message or hang-up was sent, how long to wait for Twilio's completed. */
const VOICEMAIL_END_WAIT_MS = 2 * 60_000;
/** How long an answered call's workflow may take to close after Twilio reported the end. */
const CALL_CLOSE_WAIT_MS = 30_000;
const DEFAULT_VOICEMAIL_MESSAGE = 'Sorry we missed you. We will try again later. Goodbye.';

/**
 * One outbound call, placed exactly once and followed to its outcome. The claim (a DialAttempt
 * row for a campaign attempt; the workflow id itself for a one-off call) comes first, then the
 * dial activity, which checks the do-not-call list and, when retried, reconciles with the calls
 * Twilio already has. An answered call runs as its own `call:<CallSid>` workflow, started by the
 * voice webhook; it signals back here when it closes.
 */
export async function outboundCallWorkflow(
  input: contract.OutboundCallInput,
): Promise<contract.OutboundCallResult> {
  const dial = new DialTracker();
  let disposition: DialDisposition | undefined;
  setHandler(contract.dialStatusSignal, (event) => dial.onStatus(event));
  setHandler(contract.answeredBySignal, (event) => dial.onAnsweredBy(event));
  setHandler(contract.outboundCallEndedSignal, (event) => dial.onCallEnded(event));
  setHandler(contract.dialContextQuery, () => ({
    agentId: input.agentId,
    campaignId: input.campaignId,
    contactId: input.contactId,
    variables: input.variables,
  }));
  setHandler(contract.dialStateQuery, () => ({ phase: dial.phase, callSid: dial.callSid, disposition }));
  const report = new CampaignReport();
  checkInput(input);
  const localDial = patched(LOCAL_DIAL_PATCH);
  const lean = localDial || patched(LEAN_DIAL_PATCH);
  if (!lean) {
    upsertSearchAttributes([
      { key: SA.callDirection, value: 'outbound' },
      ...(input.campaignId ? [{ key: SA.campaignId, value: input.campaignId }] : []),
    ]);
  }
  const outcomes = lean ? localRecords : records;

  const claim = await outcomes.claimDial({ contactId: input.contactId, attempt: input.attempt });
  if (claim.disposition) {
    // This attempt already finished (its record says how): report it, dial nothing.
    if (lean) tagDial(input, claim.callSid);
    dial.phase = 'done';
    const done = { disposition: claim.disposition, callSid: claim.callSid };
    await report.deliver(input, done);
    return done;
  }
  dial.phase = 'dialing';
  const dialer = localDial && input.contactId ? localDialing : dialing;
  const placed = await dialer.placeDial({
    workflowId: workflowInfo().workflowId,
    to: input.to,
    from: input.from,
    contactId: input.contactId,
    attempt: input.attempt,
    claimedAt: claim.claimedAt,
    machineDetection: input.machineDetection ?? true,
    ringTimeoutSec: input.ringTimeoutSec ?? DEFAULT_RING_TIMEOUT_SEC,
  });
  let detail = placed.detail;
  if (lean) tagDial(input, placed.callSid);
  if (placed.callSid) {
    dial.placed(placed.callSid);
    if (!lean) upsertSearchAttributes([{ key: SA.callSid, value: placed.callSid }]);
    await followCall(dial, input);
    disposition = dial.disposition();
    detail = dial.callOutcome ? `call outcome: ${dial.callOutcome}` : dial.terminal;
  } else {
    disposition = placed.disposition ?? 'failed';
  }
  dial.phase = 'done';
  await outcomes.recordDialOutcome({
    contactId: input.contactId,
    attempt: input.attempt,
    disposition,
    callSid: placed.callSid,
  });
  await condition(allHandlersFinished);
  const result = {
    disposition,
    ...(placed.callSid ? { callSid: placed.callSid } : {}),
    ...(detail ? { detail } : {}),
  };
  await report.deliver(input, result);
  return result;
}

/**
 * One upsert with what the start did not set: CallDirection (a campaign sets only CampaignId, a
 * one-off call sets both), CampaignId, and the CallSid once there is a call.
 */
function tagDial(input: contract.OutboundCallInput, callSid: string | undefined): void {
  const given = workflowInfo().typedSearchAttributes;
  const tags = [
    ...(given.get(SA.callDirection) === undefined ? [{ key: SA.callDirection, value: 'outbound' }] : []),
    ...(input.campaignId && given.get(SA.campaignId) === undefined
      ? [{ key: SA.campaignId, value: input.campaignId }]
      : []),
    ...(callSid ? [{ key: SA.callSid, value: callSid }] : []),
  ];
  if (tags.length > 0) upsertSearchAttributes(tags);
}

function checkInput(input: contract.OutboundCallInput): void {
  const problems: string[] = [];
  if (!/^\+[1-9]\d{6,14}$/.test(input.from ?? '')) problems.push('from must be an E.164 caller id');
  if (typeof input.to !== 'string' || input.to === '') problems.push('to is required');
  if (
    input.contactId &&
    input.attempt !== undefined &&
    !(Number.isInteger(input.attempt) && input.attempt >= 1)
  )
    problems.push('attempt must be a positive integer');
  if (input.voicemail && !['hang_up', 'leave_message'].includes(input.voicemail.action))
    problems.push('voicemail.action must be hang_up or leave_message');
  if (problems.length > 0) throw ApplicationFailure.nonRetryable(problems.join('; '), 'BadInput');
}

/** Waits for the call's outcome; Twilio's own status settles anything the callbacks left open. */
async function followCall(dial: DialTracker, input: contract.OutboundCallInput): Promise<void> {
  const ringWaitMs = (input.ringTimeoutSec ?? DEFAULT_RING_TIMEOUT_SEC) * 1000 + CALLBACK_SLACK_MS;
  while (!dial.answered && !dial.over) {
    if (!(await condition(() => dial.answered || dial.over, ringWaitMs))) await askTwilio(dial);
  }
  const deadline = Date.now() + MAX_CALL_MS;
  while (!dial.over && Date.now() < deadline) {
    if (dial.isMachine && !dial.voicemailHandled) {
      await handleVoicemail(dial, input);
      continue;
    }
    const settled = await condition(
      () => dial.over || (dial.isMachine && !dial.voicemailHandled),
      LIVE_CHECK_MS,
    );
    if (!settled) await askTwilio(dial);
  }
  // Twilio's completed usually beats the call workflow's own close by a moment: wait for it, so
  // the result carries the call's outcome and the call record is closed when this returns.
  if (dial.answered && !dial.isMachine && dial.callOutcome === undefined) {
    await condition(() => dial.callOutcome !== undefined, CALL_CLOSE_WAIT_MS);
  }
}

/** Leaves the configured message once the greeting has ended, or hangs up. */
async function handleVoicemail(dial: DialTracker, input: contract.OutboundCallInput): Promise<void> {
  dial.voicemailHandled = true;
  dial.phase = 'voicemail';
  const callSid = dial.callSid as string;
  try {
    if (input.voicemail?.action === 'leave_message') {
      const message = input.voicemail.message ?? DEFAULT_VOICEMAIL_MESSAGE;
      await telephony.leaveVoicemail({ callSid, message });
    } else {
      await telephony.hangUpCall({ callSid });
    }
  } catch (err) {
    // Twilio would not take the update: the box records silence until it hangs up by itself,
    // and the dial is still a voicemail. Failing here would lose the attempt's outcome.
    log.warn('could not act on the voicemail', { callSid, error: String(err) });
  }
  if (!(await condition(() => dial.over, VOICEMAIL_END_WAIT_MS))) await askTwilio(dial);
}

async function askTwilio(dial: DialTracker): Promise<void> {
  try {
    const status = await telephony.fetchTelephonyStatus({ callSid: dial.callSid as string });
    if (status !== 'unknown' && (status === 'in-progress' || isTerminalStatus(status)))
      dial.applyStatus(status);
  } catch {
    // Twilio unreachable for now: keep waiting for callbacks and ask again at the next check.
  }
}
