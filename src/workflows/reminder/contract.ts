import { defineSignal } from '@temporalio/workflow';

/**
 * Appointment reminder messages. One workflow per appointment; the call workflow (tool Updates),
 * the post-call workflow and the admin API start it or signal it when the appointment changes.
 */

export const reminderWorkflowType = 'appointmentReminderWorkflow';
export const reminderWorkflowId = (appointmentId: string) => `reminder:${appointmentId}`;
/** The outbound call of one reminder: one id per (appointment, start time, offset), used once. */
export const reminderCallWorkflowId = (appointmentId: string, startsAt: string, offsetSeconds: number) =>
  `reminder-call:${appointmentId}:${Date.parse(startsAt)}:${offsetSeconds}`;

export interface ReminderInput {
  appointmentId: string;
}

/** The appointment was rescheduled or cancelled: the workflow re-reads it and recomputes or ends. */
export const appointmentChangedSignal =
  defineSignal<[{ change: 'rescheduled' | 'cancelled' }]>('appointmentChanged');

/**
 * Optional overrides of the deployment's reminder settings, for the admin API and tests (reminder
 * offsets of seconds). Absent fields use the worker's configuration.
 */
export interface ReminderOverrides {
  /** How long before the appointment each reminder is due, in ms. */
  offsetsMs?: number[];
  /** Local "HH:MM" window in which nothing is sent; null turns quiet hours off. */
  quietHours?: { start: string; end: string } | null;
  channel?: 'sms' | 'call';
}

export type ReminderWorkflowInput = ReminderInput & ReminderOverrides;

export interface ReminderOutcome {
  startsAt: string;
  offsetMs: number;
  /** sent, already-handled, failed, skipped, or why it was not attempted (past, quiet-hours, ...). */
  result: string;
  messageSid?: string;
  /** A reminder call's CallSid (channel `call`); `result` is then its delivery status. */
  callSid?: string;
  sendAt?: string;
}

export interface ReminderSummary {
  appointmentId: string;
  ended: 'cancelled' | 'appointment-started' | 'not-found';
  outcomes: ReminderOutcome[];
}
