import {
  ApplicationFailure,
  condition,
  log,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import type { ReminderAppointment, SendReminderResult } from '../../activities/reminder-activities.ts';
import { invalidReminderOverrides, planReminders } from '../../domain/reminder-plan.ts';
import {
  appointmentChangedSignal,
  type ReminderOutcome,
  type ReminderSummary,
  type ReminderWorkflowInput,
} from './contract.ts';
import { placeReminderCall, type ReminderSendOutcome } from './reminder-call.ts';

const acts = proxyActivities<Pick<Activities, 'loadReminderAppointment' | 'sendAppointmentReminder'>>({
  startToCloseTimeout: '30 seconds',
  // Unlimited attempts: a Twilio outage delays a reminder; the activity itself refuses to send
  // once the appointment has started, which bounds how late one can be.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * `reminder:<appointmentId>`: sleeps on durable timers until each reminder is due, sends it, and
 * follows the appointment. `appointmentChanged` (reschedule or cancel) wakes it to re-read the
 * appointment and plan again; it ends when the appointment is cancelled, gone or has started.
 */
export async function appointmentReminderWorkflow(input: ReminderWorkflowInput): Promise<ReminderSummary> {
  const invalid = invalidReminderOverrides(input);
  if (invalid) throw ApplicationFailure.nonRetryable(invalid, 'InvalidInput');
  let changed = false;
  setHandler(appointmentChangedSignal, () => {
    changed = true;
  });
  const outcomes = new Map<string, ReminderOutcome>();
  const summary = (ended: ReminderSummary['ended']): ReminderSummary => ({
    appointmentId: input.appointmentId,
    ended,
    outcomes: [...outcomes.values()],
  });

  for (;;) {
    changed = false;
    const appointment = await acts.loadReminderAppointment({ appointmentId: input.appointmentId });
    if (!appointment) return summary('not-found');
    if (appointment.status === 'cancelled') return summary('cancelled');
    const restart = await runPlan(input, appointment, outcomes, () => changed);
    if (restart) continue;
    // Every reminder is handled; stay until the appointment starts in case it is moved.
    const untilStartMs = Date.parse(appointment.startsAt) - Date.now();
    if (!(await condition(() => changed, Math.max(1, untilStartMs)))) return summary('appointment-started');
  }
}

/** Waits for and sends each planned reminder; true when the appointment changed under it. */
async function runPlan(
  input: ReminderWorkflowInput,
  appointment: ReminderAppointment,
  outcomes: Map<string, ReminderOutcome>,
  changed: () => boolean,
): Promise<boolean> {
  const { startsAt } = appointment;
  const plan = planReminders({
    startsAt: new Date(startsAt),
    timeZone: appointment.timeZone,
    offsetsMs: input.offsetsMs ?? appointment.settings.offsetsMs,
    quietHours: input.quietHours !== undefined ? input.quietHours : appointment.settings.quietHours,
    now: new Date(),
  });
  const channel = input.channel ?? appointment.settings.channel;
  for (const reminder of plan) {
    const key = `${startsAt}:${reminder.offsetMs}`;
    if (outcomes.has(key)) continue;
    if (reminder.skip) {
      outcomes.set(key, { startsAt, offsetMs: reminder.offsetMs, result: reminder.skip });
      continue;
    }
    const sendAt = reminder.sendAt.toISOString();
    if (await condition(changed, Math.max(1, reminder.sendAt.getTime() - Date.now()))) return true;
    const send = {
      appointmentId: input.appointmentId,
      startsAt,
      offsetSeconds: Math.round(reminder.offsetMs / 1000),
      channel,
    };
    // Runs recorded before reminder calls existed sent channel `call` to the SMS activity (which
    // skipped it): they replay that way.
    const byCall = channel === 'call' && patched('reminder-call-channel');
    const done = byCall ? await placeReminderCall(send) : describe(await acts.sendAppointmentReminder(send));
    if ('stale' in done) {
      log.info('appointment changed before its reminder', { reason: done.stale });
      return true;
    }
    outcomes.set(key, { startsAt, offsetMs: reminder.offsetMs, sendAt, ...done });
  }
  return false;
}

function describe(result: SendReminderResult): ReminderSendOutcome {
  switch (result.status) {
    case 'stale':
      return { stale: result.reason };
    case 'sent':
      return { result: 'sent', messageSid: result.messageSid };
    case 'already-handled':
      return { result: 'already-handled', messageSid: result.messageSid ?? undefined };
    default:
      return { result: result.status };
  }
}
