import { ActivityFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import type { AnalysisResult } from '../../domain/call-analysis.ts';
import { crmSyncWorkflowId, crmSyncWorkflowType } from '../crm/contract.ts';
import { reminderWorkflowId, reminderWorkflowType } from '../reminder/contract.ts';
import { SA } from '../search-attributes.ts';
import { ensureChildStarted } from '../start-child.ts';
import type { PostCallInput, PostCallResult } from './contract.ts';

const db = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: ['CallNotFound', 'BadVersion'],
  },
});

// One attempt may ask the model several times (invalid answers); Temporal retries only what
// a retry can fix (vendor down, rate limited), a bounded number of times, then it is recorded.
const llm = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '90 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['CallNotFound', 'AnalysisProviderRejected'],
  },
});

/**
 * After a call (`postcall:<callId>`, or a re-run with its own id): analyse it, store the analysis
 * as the next version, file the call under its outcome, then hand over to CRM sync and make sure
 * each appointment the call made or moved has its reminder workflow. Nothing is dropped: a
 * failed analysis is stored as such and still synced.
 */
export async function postCallWorkflow(input: PostCallInput): Promise<PostCallResult> {
  const { callId } = input;
  const version = await db.nextSummaryVersion({ callId, version: input.version });
  let result: AnalysisResult;
  try {
    result = await llm.analyzeCall({ callId });
  } catch (error) {
    if (!(error instanceof ActivityFailure) || isCallMissing(error)) throw error;
    result = { ok: false, reason: `analysis failed: ${error.cause?.message ?? error.message}` };
  }
  const stored = await db.storeCallSummary({ callId, version, result });
  upsertSearchAttributes([{ key: SA.callOutcome, value: stored.outcome }]);

  const crmId = crmSyncWorkflowId(callId, version);
  await ensureChildStarted(crmSyncWorkflowType, crmId, [{ callId, version }]);
  const appointmentIds = await db.appointmentsToRemind({
    callId,
    appointmentIds: input.appointmentIds ?? [],
  });
  const reminderIds = appointmentIds.map(reminderWorkflowId);
  await Promise.all(
    appointmentIds.map((appointmentId) =>
      ensureChildStarted(reminderWorkflowType, reminderWorkflowId(appointmentId), [{ appointmentId }]),
    ),
  );
  return {
    callId,
    version,
    status: stored.status,
    outcome: stored.outcome,
    crmSyncWorkflowId: crmId,
    reminderWorkflowIds: reminderIds,
  };
}

function isCallMissing(error: ActivityFailure): boolean {
  return (error.cause as { type?: string } | undefined)?.type === 'CallNotFound';
}
