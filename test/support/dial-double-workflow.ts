import { condition, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
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
 * `variables.simScript` (e.g. "busy,answered"). With `variables.simEndWhenAsked` = "1" it instead
 * ends (and reports) as soon as its campaign asks for the result by signal, or after the hold.
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
  const result = { disposition, callSid: `CAsim-${info.workflowId}` };
  if (input.variables?.simEndWhenAsked === '1') {
    // The call ends the moment the campaign asks for its result: the report then races the
    // campaign's own view of that request (hand-off tests).
    await condition(() => report.asked, holdMs);
    await report.deliver(input, result);
    return result;
  }
  if (holdMs > 0) await sleep(holdMs);
  await acts.simHangUp({ workflowId: info.workflowId });
  await report.deliver(input, result);
  return result;
}
