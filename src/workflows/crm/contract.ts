/**
 * CRM sync messages. One sync workflow per (call, analysis version); its id doubles as the
 * idempotency key sent to the CRM, so a second start for the same version is a no-op.
 */

export const crmSyncWorkflowType = 'crmSyncWorkflow';
export const crmSyncWorkflowId = (callId: string, version: number) => `crm:${callId}:${version}`;

export interface CrmSyncInput {
  callId: string;
  version: number;
}

/** Replays one dead letter; idempotent (the same key reaches the CRM). */
export const crmReplayWorkflowType = 'crmReplayWorkflow';
export const crmReplayWorkflowId = (deadLetterId: string) => `crm-replay:${deadLetterId}`;

export interface CrmReplayInput {
  deadLetterId: string;
}

/** Nightly: re-queues sync records that never completed (run by a Temporal Schedule). */
export const crmReconciliationWorkflowType = 'crmReconciliationWorkflow';

export interface CrmReconciliationInput {
  /** Only records untouched for this long are re-queued (a running sync updates its record). */
  quietForMs?: number;
  /** At most this many (call, version) pairs per run; the next run takes the rest. */
  limit?: number;
}

export interface CrmReconciliationResult {
  found: number;
  requeued: number;
  /** Their sync workflow was still running: left alone. */
  alreadyRunning: number;
}

export interface CrmSyncResult {
  results: { adapter: string; status: 'succeeded' | 'dead_lettered' | 'failed'; deadLetterId?: string }[];
}
