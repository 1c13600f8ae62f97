import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFreeSlots } from '../../../src/db/appointments.ts';
import { createReminderNotifier } from '../../../src/platform/reminder-notifier.ts';
import { callWorkflow } from '../../../src/workflows/call/call-workflow.ts';
import * as call from '../../../src/workflows/call/contract.ts';
import { postCallWorkflowId } from '../../../src/workflows/post-call/contract.ts';
import type { postCallWorkflow } from '../../../src/workflows/post-call/post-call-workflow.ts';
import { reminderWorkflowId, reminderWorkflowType } from '../../../src/workflows/reminder/contract.ts';
import type { appointmentReminderWorkflow } from '../../../src/workflows/reminder/reminder-workflow.ts';
import { createAppointment, eventually, type ReminderHarness, startReminderHarness } from './harness.ts';

/** The call workflow's booking tools start and steer the appointment's reminder workflow. */
describe('reminders from the call workflow', () => {
  let h: ReminderHarness;

  beforeAll(async () => {
    h = await startReminderHarness('reminder-from-call');
  });
  afterAll(() => h?.close());

  async function signalsReceived(workflowId: string): Promise<string[]> {
    const { events } = await h.platform.client.workflow.getHandle(workflowId).fetchHistory();
    return (events ?? []).flatMap((e) => {
      const signal = e.workflowExecutionSignaledEventAttributes;
      const payload = signal?.input?.payloads?.[0]?.data;
      return payload ? [JSON.parse(Buffer.from(payload).toString('utf8')).change as string] : [];
    });
  }

  it('book starts the reminder, reschedule and cancel signal it, and it outlives the call', async () => {
    const handle = await h.platform.client.workflow.start(callWorkflow, {
      taskQueue: h.platform.taskQueue,
      workflowId: call.callWorkflowId('CAremind0001'),
      args: [{ callSid: 'CAremind0001', direction: 'inbound', from: '+14155552671', to: '+14155550100' }],
    });
    const now = new Date();
    const [slot, later] = await listFreeSlots(h.platform.prisma, {
      agentId: h.agentId,
      from: now,
      to: new Date(now.getTime() + 14 * 86_400_000),
      limit: 2,
    });
    const booked = await handle.executeUpdate(call.bookAppointmentUpdate, {
      args: [{ startsAt: (slot as { startsAt: Date }).startsAt.toISOString() }],
      updateId: 'tool-book-1',
    });
    if (!booked.ok) throw new Error(booked.error);
    const appointmentId = booked.value.appointmentId;
    const reminderId = reminderWorkflowId(appointmentId);

    const description = await eventually(async () => {
      try {
        return await h.platform.client.workflow.getHandle(reminderId).describe();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    });
    expect(description).toMatchObject({ type: reminderWorkflowType, status: { name: 'RUNNING' } });

    // The post-call workflow starts the same id by type name: that is refused, harmlessly.
    await expect(
      h.platform.client.workflow.start<typeof appointmentReminderWorkflow>(reminderWorkflowType, {
        taskQueue: h.platform.taskQueue,
        workflowId: reminderId,
        args: [{ appointmentId }],
      }),
    ).rejects.toThrow(/already started/i);

    const moved = await handle.executeUpdate(call.rescheduleAppointmentUpdate, {
      args: [{ appointmentId, startsAt: (later as { startsAt: Date }).startsAt.toISOString() }],
      updateId: 'tool-reschedule-1',
    });
    expect(moved).toMatchObject({ ok: true, value: { status: 'rescheduled' } });
    await eventually(async () =>
      (await signalsReceived(reminderId)).includes('rescheduled') ? true : undefined,
    );

    // The call ends; the reminder (an abandoned child) keeps running.
    await handle.signal(call.callStatusSignal, { status: 'completed' });
    await handle.result();
    const stillThere = await h.platform.client.workflow.getHandle(reminderId).describe();
    expect(stillThere.status.name).toBe('RUNNING');

    // A later call cancels it: the reminder workflow ends without sending anything.
    const second = await h.platform.client.workflow.start(callWorkflow, {
      taskQueue: h.platform.taskQueue,
      workflowId: call.callWorkflowId('CAremind0002'),
      args: [{ callSid: 'CAremind0002', direction: 'inbound', from: '+14155552671', to: '+14155550100' }],
    });
    const cancelled = await second.executeUpdate(call.cancelAppointmentUpdate, {
      args: [{ appointmentId }],
      updateId: 'tool-cancel-1',
    });
    expect(cancelled).toMatchObject({ ok: true, value: { status: 'cancelled' } });
    const summary = await h.platform.client.workflow
      .getHandle<typeof appointmentReminderWorkflow>(reminderId)
      .result();
    expect(summary).toMatchObject({ appointmentId, ended: 'cancelled' });
    expect(summary.outcomes.filter((o) => o.result === 'sent')).toHaveLength(0);
    expect(h.twilio.messages.sentTo('+14155552671')).toHaveLength(0);
    await second.signal(call.callStatusSignal, { status: 'completed' });
    expect(await second.result()).toMatchObject({ outcome: 'cancelled' });

    // The cancelling call's post-call workflow makes sure reminders exist for the appointments
    // the call touched: a cancelled one is not among them, so no new reminder run starts.
    const secondCall = await h.platform.prisma.call.findUniqueOrThrow({ where: { callSid: 'CAremind0002' } });
    const postCall = await h.platform.client.workflow
      .getHandle<typeof postCallWorkflow>(postCallWorkflowId(secondCall.id))
      .result();
    expect(postCall.reminderWorkflowIds).toEqual([]);
    const latest = await h.platform.client.workflow.getHandle(reminderId).describe();
    expect({ runId: latest.runId, status: latest.status.name }).toEqual({
      runId: description.runId,
      status: 'COMPLETED',
    });
  });

  it('cancelling an appointment that has no reminder workflow still succeeds', async () => {
    const customer = await h.platform.prisma.customer.create({ data: { phone: '+14155552672' } });
    const startsAt = new Date(Date.now() + 3 * 86_400_000);
    const appointment = await h.platform.prisma.appointment.create({
      data: {
        agentId: h.agentId,
        customerId: customer.id,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 1_800_000),
        timeZone: 'America/New_York',
      },
    });
    const handle = await h.platform.client.workflow.start(callWorkflow, {
      taskQueue: h.platform.taskQueue,
      workflowId: call.callWorkflowId('CAremind0003'),
      args: [{ callSid: 'CAremind0003', direction: 'inbound', from: '+14155552672', to: '+14155550100' }],
    });
    const result = await handle.executeUpdate(call.cancelAppointmentUpdate, {
      args: [{ appointmentId: appointment.id }],
      updateId: 'tool-cancel-2',
    });
    expect(result).toMatchObject({ ok: true, value: { status: 'cancelled' } });
    await handle.signal(call.callStatusSignal, { status: 'completed' });
    expect(await handle.result()).toMatchObject({ phase: 'ended', outcome: 'cancelled' });
  });

  it('code outside workflows (the admin API) starts, moves and cancels reminders the same way', async () => {
    const notifier = createReminderNotifier(h.platform.client, h.platform.taskQueue);
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 3_600_000,
    });
    const reminderId = reminderWorkflowId(appointment.id);
    await notifier.appointmentBookedOrMoved(appointment.id);
    await notifier.appointmentBookedOrMoved(appointment.id);
    // A signal that arrives during a workflow task is written to history when the task ends.
    await eventually(async () => ((await signalsReceived(reminderId)).length === 2 ? true : undefined));
    expect(await signalsReceived(reminderId)).toEqual(['rescheduled', 'rescheduled']);
    await h.platform.prisma.appointment.update({
      where: { id: appointment.id },
      data: { status: 'cancelled' },
    });
    await notifier.appointmentCancelled(appointment.id);
    const summary = await h.platform.client.workflow
      .getHandle<typeof appointmentReminderWorkflow>(reminderId)
      .result();
    // The 24 h offset is already past for an appointment an hour away (recorded as such, or not
    // yet planned when the cancel arrived); either way nothing was sent.
    expect(summary.ended).toBe('cancelled');
    expect(summary.outcomes.filter((o) => o.result !== 'past')).toEqual([]);
    expect(h.twilio.messages.sentTo(phone)).toHaveLength(0);
    // Nothing running any more: cancelling again is not an error.
    await expect(notifier.appointmentCancelled(appointment.id)).resolves.toBeUndefined();
  });
});
