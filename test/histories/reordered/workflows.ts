import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../../src/activities/index.ts';
import type { PostCallInput } from '../../../src/workflows/post-call/contract.ts';

/**
 * Negative control for the history replay test: the post-call workflow with its first two
 * activities swapped. Replaying a recorded post-call history against this must fail.
 */
const acts = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

export async function postCallWorkflow(input: PostCallInput): Promise<void> {
  await acts.analyzeCall({ callId: input.callId });
  await acts.nextSummaryVersion({ callId: input.callId });
}
