import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { DialDisposition } from '../../src/db/enums.ts';
import { CampaignReport } from '../../src/workflows/outbound/campaign-report.ts';
import type { OutboundCallInput, OutboundCallResult } from '../../src/workflows/outbound/contract.ts';
import type { DialDoubleActivities } from './dial-double.ts';

const acts = proxyActivities<DialDoubleActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '2 seconds' },
});

/**
 * TEST DOUBLE registered under the real dialer's type name `outboundCallWorkflow` (which is built
 * on another branch). It places no call: it claims the attempt in `dial_attempts` and logs one
 * row in `sim_dials` (both in one transaction, so the log counts real effects), holds the "call"
 * for `variables.simHoldMs`, and returns the disposition scripted per attempt in
 * `variables.simScript` (e.g. "busy,answered").
 */
export async function outboundCallWorkflow(input: OutboundCallInput): Promise<OutboundCallResult> {
  // Takes the campaign's hand-off like the real dialer (src/workflows/outbound/campaign-report.ts).
  const report = new CampaignReport();
  const attempt = input.attempt ?? 1;
  const script = (input.variables?.simScript ?? 'answered').split(',');
  const disposition = script[Math.min(attempt, script.length) - 1] as DialDisposition;
  const info = workflowInfo();
  await acts.simDial({
    contactId: input.contactId as string,
    attempt,
    phone: input.to,
    workflowId: info.workflowId,
    startedAtMs: info.startTime.getTime(),
  });
  const holdMs = Number(input.variables?.simHoldMs ?? '0');
  if (holdMs > 0) await sleep(holdMs);
  await acts.simHangUp({ workflowId: info.workflowId });
  const result = { disposition, callSid: `CAsim-${info.workflowId}` };
  await report.deliver(input, result);
  return result;
}
