import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { OutboundCallInput, OutboundCallResult } from '../../../src/workflows/outbound/contract.ts';
import type { InstantDialerActivities } from './instant-dialer.ts';

const acts = proxyActivities<InstantDialerActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '2 seconds' },
});

/**
 * BENCH DOUBLE registered under the real dialer's type name `outboundCallWorkflow`, so the real
 * `campaignWorkflow` starts it as its child. It places no call: one activity claims the attempt in
 * `dial_attempts` and logs the dial in `bench_dials` (one transaction, so the log counts real
 * effects), then it returns `answered` at once: a callee who answers instantly and hangs up.
 */
export async function outboundCallWorkflow(input: OutboundCallInput): Promise<OutboundCallResult> {
  const info = workflowInfo();
  await acts.benchDial({
    contactId: input.contactId as string,
    attempt: input.attempt ?? 1,
    workflowId: info.workflowId,
    startedAtMs: info.startTime.getTime(),
  });
  return { disposition: 'answered', callSid: `CAbench-${info.workflowId}` };
}
