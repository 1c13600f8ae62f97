import {
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../../src/activities/index.ts';
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
const dialing = proxyActivities<InstantDialerActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * BENCH DOUBLE registered under the real dialer's type name `outboundCallWorkflow`, so the real
 * `campaignWorkflow` starts it as its child. It has the real dialer's Temporal shape for a call
 * answered at once: the `outbound-lean-dial` patch marker (and the SDK's TemporalChangeVersion
 * upsert), the real `claimDial` as a local activity, one regular activity in place of
 * `placeDial` (no Twilio: it stores a fake CallSid on the claimed attempt and logs the dial in
 * `bench_dials`, once), one upsert of CallDirection and CallSid, and the real `recordDialOutcome`
 * as a local activity; Postgres does the same claim and outcome writes as in production.
 * Left out: what the live call adds in the real dialer (Twilio's progress signals, the call
 * workflow's end signal, the ring timer: about three more workflow tasks), and the call itself.
 */
export async function outboundCallWorkflow(input: OutboundCallInput): Promise<OutboundCallResult> {
  const info = workflowInfo();
  patched('outbound-lean-dial');
  const claim = await records.claimDial({ contactId: input.contactId, attempt: input.attempt });
  if (claim.disposition) return { disposition: claim.disposition, callSid: claim.callSid };
  const { callSid } = await dialing.benchPlaceDial({
    contactId: input.contactId as string,
    attempt: input.attempt ?? 1,
    workflowId: info.workflowId,
    startedAtMs: info.startTime.getTime(),
  });
  upsertSearchAttributes([
    { key: SA.callDirection, value: 'outbound' },
    { key: SA.callSid, value: callSid },
  ]);
  await records.recordDialOutcome({
    contactId: input.contactId,
    attempt: input.attempt,
    disposition: 'answered',
    callSid,
  });
  return { disposition: 'answered', callSid };
}
