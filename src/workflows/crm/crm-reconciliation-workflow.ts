import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { ensureChildStarted } from '../start-child.ts';
import {
  type CrmReconciliationInput,
  type CrmReconciliationResult,
  crmSyncWorkflowId,
  crmSyncWorkflowType,
} from './contract.ts';

const db = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const DEFAULT_QUIET_FOR_MS = 60 * 60_000;
const DEFAULT_LIMIT = 500;

/**
 * Run by a Temporal Schedule: restarts the sync of every record that never completed (its
 * workflow gave up, or was lost). A sync still running keeps its id, so it is left alone.
 */
export async function crmReconciliationWorkflow(
  input: CrmReconciliationInput = {},
): Promise<CrmReconciliationResult> {
  const stale = await db.findUnfinishedCrmSyncs({
    quietForMs: input.quietForMs ?? DEFAULT_QUIET_FOR_MS,
    limit: input.limit ?? DEFAULT_LIMIT,
  });
  const outcomes = await Promise.all(
    stale.map(({ callId, version }) =>
      // ALLOW_DUPLICATE: the earlier sync of this id completed without succeeding; run it again.
      ensureChildStarted(
        crmSyncWorkflowType,
        crmSyncWorkflowId(callId, version),
        [{ callId, version }],
        'ALLOW_DUPLICATE',
      ),
    ),
  );
  const requeued = outcomes.filter((o) => o === 'started').length;
  return { found: stale.length, requeued, alreadyRunning: stale.length - requeued };
}
