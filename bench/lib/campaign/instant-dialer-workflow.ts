import { patched, proxyLocalActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../../src/activities/index.ts';
import { CampaignReport } from '../../../src/workflows/outbound/campaign-report.ts';
import type { OutboundCallInput, OutboundCallResult } from '../../../src/workflows/outbound/contract.ts';
import { SA } from '../../../src/workflows/search-attributes.ts';
import type { InstantDialerActivities } from './instant-dialer.ts';

// Same options as the real dialer's (src/workflows/outbound/outbound-workflow.ts).
const records = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    maximumInterval: '5 seconds',
    nonRetryableErrorTypes: ['BadInput', 'UnknownContact'],
  },
});
const dialing = proxyLocalActivities<InstantDialerActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * BENCH DOUBLE registered under the real dialer's type name `outboundCallWorkflow`, so the real
 * `campaignWorkflow` starts it as its child. It has the real dialer's Temporal shape for a call
 * answered at once: the `outbound-local-dial` patch marker (and the SDK's TemporalChangeVersion
 * upsert), the real `claimDial` as a local activity, the real `placeDial` as a local activity too
 * but with an instant dialer in place of Twilio (instant-dialer.ts: a placed call is a row in
 * `bench_dials`), one upsert of CallDirection and CallSid, and the real `recordDialOutcome` as a
 * local activity: Postgres does the same reads and writes as in production.
 * Left out: what the live call adds in the real dialer (Twilio's progress signals, the call
 * workflow's end signal, the ring timer: about three more workflow tasks), and the call itself.
 */
export async function outboundCallWorkflow(input: OutboundCallInput): Promise<OutboundCallResult> {
  const info = workflowInfo();
  // The real dialer's hand-off (a report by signal once a continuing campaign asks for it).
  const report = new CampaignReport();
  patched('outbound-local-dial');
  const claim = await records.claimDial({ contactId: input.contactId, attempt: input.attempt });
  if (claim.disposition) {
    const done = { disposition: claim.disposition, callSid: claim.callSid };
    await report.deliver(input, done);
    return done;
  }
  const placed = await dialing.benchPlaceDial({
    workflowId: info.workflowId,
    to: input.to,
    from: input.from,
    contactId: input.contactId,
    attempt: input.attempt,
    claimedAt: claim.claimedAt,
    machineDetection: input.machineDetection ?? true,
    ringTimeoutSec: input.ringTimeoutSec ?? 30,
    startedAtMs: info.startTime.getTime(),
  });
  // As tagDial does for a campaign child: CampaignId came with the start.
  upsertSearchAttributes([
    { key: SA.callDirection, value: 'outbound' },
    ...(placed.callSid ? [{ key: SA.callSid, value: placed.callSid }] : []),
  ]);
  const disposition = placed.callSid ? 'answered' : (placed.disposition ?? 'failed');
  await records.recordDialOutcome({
    contactId: input.contactId,
    attempt: input.attempt,
    disposition,
    callSid: placed.callSid,
  });
  const result = { disposition, ...(placed.callSid ? { callSid: placed.callSid } : {}) };
  await report.deliver(input, result);
  return result;
}
