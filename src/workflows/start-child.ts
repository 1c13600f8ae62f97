import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, type WorkflowIdReusePolicy } from '@temporalio/workflow';
import { PRIORITY } from './priorities.ts';

/**
 * Starts a child that must outlive its parent (ABANDON) by type name, so the parent needs no
 * import of the child's code. "Already started" is success: the id is the idempotency key and
 * someone (a retry, a replay, another parent) already did the job.
 */
export async function ensureChildStarted(
  workflowType: string,
  workflowId: string,
  args: unknown[],
  reuse: WorkflowIdReusePolicy = 'ALLOW_DUPLICATE_FAILED_ONLY',
): Promise<'started' | 'already-started'> {
  try {
    await startChild(workflowType, {
      workflowId,
      args,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: reuse,
      // Follow-up work: not the live call's (or any parent's) place in the queue.
      priority: PRIORITY.background,
    });
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
    throw error;
  }
}
