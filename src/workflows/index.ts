// The worker bundles this file: every workflow Switchboard runs is exported from here.
export { callWorkflow } from './call/call-workflow.ts';
export { campaignWorkflow } from './campaign/campaign-workflow.ts';
export { crmReconciliationWorkflow } from './crm/crm-reconciliation-workflow.ts';
export { crmReplayWorkflow, crmSyncWorkflow } from './crm/crm-sync-workflow.ts';
export { retentionPurgeWorkflow } from './housekeeping/retention-purge-workflow.ts';
export { outboundCallWorkflow } from './outbound/outbound-workflow.ts';
export { postCallWorkflow } from './post-call/post-call-workflow.ts';
export { appointmentReminderWorkflow } from './reminder/reminder-workflow.ts';
export { systemCheck } from './system-check.ts';
