import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import {
  appointmentChangedSignal,
  type ReminderInput,
  reminderWorkflowId,
  reminderWorkflowType,
} from '../workflows/reminder/contract.ts';
import type { appointmentReminderWorkflow } from '../workflows/reminder/reminder-workflow.ts';

/**
 * For code outside workflows (the admin API) that changes an appointment: the same effect the
 * call workflow's tools have on `reminder:<appointmentId>`.
 */
export function createReminderNotifier(client: Client, taskQueue: string) {
  return {
    /** Booked or rescheduled: start the reminder workflow if it is not running, then wake it. */
    async appointmentBookedOrMoved(appointmentId: string): Promise<void> {
      const input: ReminderInput = { appointmentId };
      await client.workflow.signalWithStart<
        typeof appointmentReminderWorkflow,
        [{ change: 'rescheduled' | 'cancelled' }]
      >(reminderWorkflowType, {
        workflowId: reminderWorkflowId(appointmentId),
        taskQueue,
        args: [input],
        signal: appointmentChangedSignal,
        // A booking wakes a fresh workflow harmlessly: it re-reads the appointment either way.
        signalArgs: [{ change: 'rescheduled' }],
      });
    },
    /** Cancelled: a running reminder ends without sending; none running is fine. */
    async appointmentCancelled(appointmentId: string): Promise<void> {
      try {
        await client.workflow.getHandle(reminderWorkflowId(appointmentId)).signal(appointmentChangedSignal, {
          change: 'cancelled',
        });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
  };
}
