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
import { recordHistory } from '../../support/histories.ts';
import { createAppointment, eventually, type ReminderHarness, startReminderHarness } from './harness.ts';

/** What a call books or moves gets its reminder workflow when the call ends; later calls steer it. */
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

  async function describeIfAny(workflowId: string) {
    try {
      return await h.platform.client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async function startCall(callSid: string, from: string) {
    return h.platform.client.workflow.start(callWorkflow, {
      taskQueue: h.platform.taskQueue,
      workflowId: call.callWorkflowId(callSid),
      args: [{ callSid, direction: 'inbound', from, to: '+14155550100' }],
    });
  }

  it('the call starts the reminder when it ends; a later call reschedules and cancels it by signal', async () => {
    const handle = await startCall('CAremind0001', '+14155552671');
    const now = new Date();
    const [slot, later, latest] = await listFreeSlots(h.platform.prisma, {
      agentId: h.agentId,
      from: now,
      to: new Date(now.getTime() + 14 * 86_400_000),
      limit: 3,
    });
    const booked = await handle.executeUpdate(call.bookAppointmentUpdate, {
      args: [{ startsAt: (slot as { startsAt: Date }).startsAt.toISOString() }],
      updateId: 'tool-book-1',
    });
    if (!booked.ok) throw new Error(booked.error);
    const appointmentId = booked.value.appointmentId;
    const reminderId = reminderWorkflowId(appointmentId);
    const moved = await handle.executeUpdate(call.rescheduleAppointmentUpdate, {
      args: [{ appointmentId, startsAt: (later as { startsAt: Date }).startsAt.toISOString() }],
      updateId: 'tool-reschedule-1',
    });
    expect(moved).toMatchObject({ ok: true, value: { status: 'rescheduled' } });
    // Mid-call nothing is started for a booking: the tools' round trips stay free of that work.
    expect(await describeIfAny(reminderId)).toBeUndefined();

    // The call ends: the call workflow itself starts the reminder (an abandoned child that keeps
    // running), without waiting for the post-call analysis.
    await handle.signal(call.callStatusSignal, { status: 'completed' });
    await handle.result();
    await recordHistory(handle, 'call', 'book-and-move-reminder-at-end');
    const description = await describeIfAny(reminderId);
    expect(description).toMatchObject({
      type: reminderWorkflowType,
      status: { name: 'RUNNING' },
      parentExecution: { workflowId: call.callWorkflowId('CAremind0001') },
    });
    // A booking moved within the call needs no signal: its reminder starts with the final time.
    expect(await signalsReceived(reminderId)).toEqual([]);

    // The post-call workflow starts the same id by type name: that is refused, harmlessly.
    await expect(
      h.platform.client.workflow.start<typeof appointmentReminderWorkflow>(reminderWorkflowType, {
        taskQueue: h.platform.taskQueue,
        workflowId: reminderId,
        args: [{ appointmentId }],
      }),
    ).rejects.toThrow(/already started/i);

    // A later call moves it (signalled at once) and then cancels it: the reminder workflow ends
    // without sending anything.
    const second = await startCall('CAremind0002', '+14155552671');
    const movedAgain = await second.executeUpdate(call.rescheduleAppointmentUpdate, {
      args: [{ appointmentId, startsAt: (latest as { startsAt: Date }).startsAt.toISOString() }],
      updateId: 'tool-reschedule-2',
    });
    expect(movedAgain).toMatchObject({ ok: true, value: { status: 'rescheduled' } });
    await eventually(async () =>
      (await signalsReceived(reminderId)).includes('rescheduled') ? true : undefined,
    );
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
    await recordHistory(second, 'call', 'move-and-cancel-earlier-booking');

    // Neither the cancelling call nor its post-call workflow starts a reminder for a cancelled
    // appointment: the run that ended is still the latest.
    const secondCall = await h.platform.prisma.call.findUniqueOrThrow({ where: { callSid: 'CAremind0002' } });
    const postCall = await h.platform.client.workflow
      .getHandle<typeof postCallWorkflow>(postCallWorkflowId(secondCall.id))
      .result();
    expect(postCall.reminderWorkflowIds).toEqual([]);
    const afterwards = await h.platform.client.workflow.getHandle(reminderId).describe();
    expect({ runId: afterwards.runId, status: afterwards.status.name }).toEqual({
      runId: description?.runId,
      status: 'COMPLETED',
    });
  });

  it('an appointment booked and cancelled in the same call never gets a reminder', async () => {
    const handle = await startCall('CAremind0004', '+14155552673');
    const [slot] = await listFreeSlots(h.platform.prisma, {
      agentId: h.agentId,
      from: new Date(Date.now() + 86_400_000),
      to: new Date(Date.now() + 14 * 86_400_000),
      limit: 1,
    });
    const booked = await handle.executeUpdate(call.bookAppointmentUpdate, {
      args: [{ startsAt: (slot as { startsAt: Date }).startsAt.toISOString() }],
      updateId: 'tool-book-4',
    });
    if (!booked.ok) throw new Error(booked.error);
    const cancelled = await handle.executeUpdate(call.cancelAppointmentUpdate, {
      args: [{ appointmentId: booked.value.appointmentId }],
      updateId: 'tool-cancel-4',
    });
    expect(cancelled).toMatchObject({ ok: true, value: { status: 'cancelled' } });
    await handle.signal(call.callStatusSignal, { status: 'completed' });
    await handle.result();
    await recordHistory(handle, 'call', 'book-and-cancel');
    const callRow = await h.platform.prisma.call.findUniqueOrThrow({ where: { callSid: 'CAremind0004' } });
    await h.platform.client.workflow.getHandle(postCallWorkflowId(callRow.id)).result();
    expect(await describeIfAny(reminderWorkflowId(booked.value.appointmentId))).toBeUndefined();
    // Not even an attempt: no child start and no signal in the call's history.
    const { events } = await handle.fetchHistory();
    expect(
      (events ?? []).filter(
        (e) =>
          e.startChildWorkflowExecutionInitiatedEventAttributes ||
          e.signalExternalWorkflowExecutionInitiatedEventAttributes,
      ),
    ).toEqual([
      expect.objectContaining({
        startChildWorkflowExecutionInitiatedEventAttributes: expect.objectContaining({
          workflowId: postCallWorkflowId(callRow.id),
        }),
      }),
    ]);
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
