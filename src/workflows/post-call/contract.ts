import type { CallOutcome } from '../../domain/call-analysis.ts';

/**
 * Post-call workflow messages. Started by the call workflow as an abandoned child when a call
 * ends, and by the admin API to re-run the analysis of a past call (a new version).
 */

export const postCallWorkflowType = 'postCallWorkflow';
export const postCallWorkflowId = (callId: string) => `postcall:${callId}`;
/** A re-run gets its own id so the first run's history stays visible. */
export const postCallRerunWorkflowId = (callId: string, version: number) => `postcall:${callId}:v${version}`;

export interface PostCallInput {
  callId: string;
  /** Absent on the first run: the workflow takes the next free analysis version. */
  version?: number;
  /**
   * Appointments the call's tools booked, rescheduled or cancelled (the call workflow knows them);
   * those the call created are also found in the database, so a re-run may leave this out.
   */
  appointmentIds?: string[];
}

export interface PostCallResult {
  callId: string;
  version: number;
  status: 'ok' | 'failed';
  outcome: CallOutcome;
  /** Child workflows started or found running, by id. */
  crmSyncWorkflowId: string;
  reminderWorkflowIds: string[];
}
