import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { getExternalWorkflowHandle, log, ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import { PRIORITY } from '../priorities.ts';
import {
  appointmentChangedSignal,
  type ReminderInput,
  reminderWorkflowId,
  reminderWorkflowType,
} from '../reminder/contract.ts';
import { ensureChildStarted } from '../start-child.ts';
import type { AppointmentChange, CallLifecycle } from './call-lifecycle.ts';

const REMINDERS_PATCH = 'reminders-from-tools';
const AT_END_PATCH = 'reminders-at-call-end';

/**
 * Keeps the appointment's reminder workflow in step with a tool's change. The tool's Update never
 * waits for it (the caller hears the result first).
 *
 * Reminders for what this call booked or moved start when the call ends (`startCallReminders`):
 * starting one per booking mid-call cost more than the booking itself, and it competed with the
 * call's own tool round trips for worker and server time. Only a reminder that may already be
 * running (an appointment from an earlier call or the admin API) is signalled at once, so a move
 * to an earlier time or a cancel reaches it without waiting for the call to end.
 */
export function followAppointment(
  call: CallLifecycle,
  appointmentId: string,
  change: AppointmentChange,
): void {
  // Call workflows recorded before reminders existed must replay without the new commands.
  if (!patched(REMINDERS_PATCH)) return;
  if (!patched(AT_END_PATCH)) {
    call.followUp(followAtOnce(appointmentId, change));
    return;
  }
  if (change !== 'booked' && !call.bookedHere(appointmentId)) {
    call.followUp(signalReminder(appointmentId, change));
  }
}

/**
 * At the call's end: a reminder workflow for each appointment the call booked or moved and did
 * not cancel. A reminder that already ended (its appointment time passed before a move) starts
 * again; a running one makes this a no-op. The post-call workflow ensures the same ids later, so
 * a failure here is logged, not fatal to the call.
 */
export async function startCallReminders(call: CallLifecycle): Promise<void> {
  const ids = call.appointmentsToRemind();
  if (ids.length === 0 || !patched(AT_END_PATCH)) return;
  await Promise.all(
    ids.map(async (appointmentId) => {
      const input: ReminderInput = { appointmentId };
      try {
        await ensureChildStarted(
          reminderWorkflowType,
          reminderWorkflowId(appointmentId),
          [input],
          'ALLOW_DUPLICATE',
        );
      } catch (err) {
        log.warn('could not start the reminder workflow', { appointmentId, error: String(err) });
      }
    }),
  );
}

/** Calls recorded before `reminders-at-call-end` started or signalled the reminder per tool. */
async function followAtOnce(appointmentId: string, change: AppointmentChange): Promise<void> {
  // Reschedule also (re)starts: a reminder workflow that already ended (e.g. its appointment
  // time passed) would otherwise miss the new time. For a running one the start is a no-op.
  if (change !== 'cancelled') await ensureReminderNow(appointmentId);
  if (change !== 'booked') await signalReminder(appointmentId, change);
}

async function ensureReminderNow(appointmentId: string): Promise<void> {
  const input: ReminderInput = { appointmentId };
  try {
    await startChild(reminderWorkflowType, {
      workflowId: reminderWorkflowId(appointmentId),
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      priority: PRIORITY.background,
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
    // Not found: no reminder is running (none was booked before, or it already ended).
    log.info('reminder workflow not signalled', { appointmentId, change, error: String(err) });
  }
}
