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
