// The worker bundles this file: every workflow Switchboard runs is exported from here.
export { callWorkflow } from './call/call-workflow.ts';
export { retentionPurgeWorkflow } from './housekeeping/retention-purge-workflow.ts';
export { appointmentReminderWorkflow } from './reminder/reminder-workflow.ts';
export { systemCheck } from './system-check.ts';
