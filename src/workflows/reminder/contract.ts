import { defineSignal } from '@temporalio/workflow';

/**
 * Appointment reminder messages. One workflow per appointment; the call workflow (tool Updates),
 * the post-call workflow and the admin API start it or signal it when the appointment changes.
 */

export const reminderWorkflowType = 'appointmentReminderWorkflow';
export const reminderWorkflowId = (appointmentId: string) => `reminder:${appointmentId}`;

export interface ReminderInput {
  appointmentId: string;
}

/** The appointment was rescheduled or cancelled: the workflow re-reads it and recomputes or ends. */
export const appointmentChangedSignal =
  defineSignal<[{ change: 'rescheduled' | 'cancelled' }]>('appointmentChanged');
