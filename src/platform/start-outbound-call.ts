import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  type OutboundCallInput,
  oneOffCallWorkflowId,
  outboundCallWorkflowType,
} from '../workflows/outbound/contract.ts';
import type { outboundCallWorkflow } from '../workflows/outbound/outbound-workflow.ts';
import { SA } from '../workflows/search-attributes.ts';

/**
 * Starts a one-off outbound call (client side: the admin API, scripts). The caller's request id
 * is the claim: the workflow id `outbound:<requestId>` can be used once (REJECT_DUPLICATE), so a
 * retried request gets WorkflowExecutionAlreadyStartedError instead of a second call, and the
 * dial activity's own retries reconcile with Twilio.
 */
export function startOneOffCall(
  client: Client,
  taskQueue: string,
  requestId: string,
  input: OutboundCallInput,
): Promise<WorkflowHandle<typeof outboundCallWorkflow>> {
  return client.workflow.start<typeof outboundCallWorkflow>(outboundCallWorkflowType, {
    taskQueue,
    workflowId: oneOffCallWorkflowId(requestId),
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    workflowIdConflictPolicy: 'FAIL',
    args: [input],
    typedSearchAttributes: [
      { key: SA.callDirection, value: 'outbound' },
      ...(input.campaignId ? [{ key: SA.campaignId, value: input.campaignId }] : []),
    ],
  });
}
