import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { SystemCheckResult } from '../domain/system-check.ts';

const { readDatabaseTime, describeWorker } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
});

/** Round trip through the worker and the database; used by smoke tests and operators. */
export async function systemCheck(): Promise<SystemCheckResult> {
  const [databaseTime, activityWorker] = await Promise.all([readDatabaseTime(), describeWorker()]);
  return { workflowId: workflowInfo().workflowId, databaseTime, activityWorker };
}
