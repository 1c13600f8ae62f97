import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { getExternalWorkflowHandle, log, ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import {
  appointmentChangedSignal,
  type ReminderInput,
  reminderWorkflowId,
  reminderWorkflowType,
} from '../reminder/contract.ts';

const REMINDERS_PATCH = 'reminders-from-tools';

/**
 * Keeps the appointment's reminder workflow in step with a tool's change. The tool's Update does
 * not wait for this (the caller hears the result first); the call workflow settles it before it
 * ends. A reminder problem is logged and never fails the call.
 */
export async function followAppointment(
  appointmentId: string,
  change: 'booked' | 'rescheduled' | 'cancelled',
): Promise<void> {
  // Call workflows recorded before reminders existed must replay without the new commands.
  if (!patched(REMINDERS_PATCH)) return;
  // Reschedule also (re)starts: a reminder workflow that already ended (e.g. its appointment
  // time passed) would otherwise miss the new time. For a running one the start is a no-op.
  if (change !== 'cancelled') await ensureReminder(appointmentId);
  if (change !== 'booked') await signalReminder(appointmentId, change);
}

/**
 * An abandoned child: it outlives the call. The post-call workflow starts the same id by type
 * name, so "already started" is the normal case and harmless.
 */
async function ensureReminder(appointmentId: string): Promise<void> {
  const input: ReminderInput = { appointmentId };
  try {
    await startChild(reminderWorkflowType, {
      workflowId: reminderWorkflowId(appointmentId),
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    log.warn('could not start the reminder workflow', { appointmentId, error: String(err) });
  }
}

async function signalReminder(appointmentId: string, change: 'rescheduled' | 'cancelled'): Promise<void> {
  try {
    await getExternalWorkflowHandle(reminderWorkflowId(appointmentId)).signal(appointmentChangedSignal, {
      change,
    });
  } catch (err) {
    // Not found: no reminder is running (none was booked here, or it already ended).
    log.info('reminder workflow not signalled', { appointmentId, change, error: String(err) });
  }
}
