/**
 * Housekeeping run by Temporal Schedules (registered at worker start), not cron. Schedule ids are
 * fixed so registration is create-or-update and never duplicates.
 */

export const retentionPurgeWorkflowType = 'retentionPurgeWorkflow';
export const RETENTION_PURGE_SCHEDULE_ID = 'housekeeping:retention-purge';
export const CRM_RECONCILIATION_SCHEDULE_ID = 'housekeeping:crm-reconciliation';

export interface RetentionPurgeInput {
  /** Transcripts of calls that started more than this many days ago are deleted. */
  retentionDays: number;
  /** Rows per batch (one activity call each). */
  batchSize?: number;
}

export interface RetentionPurgeResult {
  cutoff: string;
  turnsDeleted: number;
  remindersAnonymised: number;
  /** Recordings deleted at Twilio (or found gone there) and marked deleted; absent in old runs. */
  recordingsDeleted?: number;
  batches: number;
}
