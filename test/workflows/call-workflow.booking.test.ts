import { WorkflowUpdateFailedError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFreeSlots } from '../../src/db/appointments.ts';
import { callWorkflow } from '../../src/workflows/call/call-workflow.ts';
import * as contract from '../../src/workflows/call/contract.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const { EventType } = proto.temporal.api.enums.v1;

/** Booking tools as Updates on a real call workflow, real worker, real Postgres. */
describe('call workflow: booking through updates', () => {
  let platform: TestPlatform;
  let agentId: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'call-booking' });
    agentId = (await seedDefaultAgent(platform.prisma)).id;
  });
  afterAll(() => platform?.close());

  async function startCall(callSid: string) {
    return platform.client.workflow.start(callWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: contract.callWorkflowId(callSid),
      args: [{ callSid, direction: 'inbound', from: '+14155552671', to: '+14155550100' }],
    });
  }

  async function freeSlots(count: number) {
    const now = new Date();
    return listFreeSlots(platform.prisma, {
      agentId,
      from: now,
      to: new Date(now.getTime() + 14 * 86_400_000),
      limit: count,
    });
  }

  it('books a free slot once even when the same tool call is retried', async () => {
    const handle = await startCall('CAbook0001');
    const [slot] = await freeSlots(1);
    const args = { startsAt: (slot as { startsAt: Date }).startsAt.toISOString() };
    const first = await handle.executeUpdate(contract.bookAppointmentUpdate, {
      args: [args],
      updateId: 'call_tool_1',
    });
    const retry = await handle.executeUpdate(contract.bookAppointmentUpdate, {
      args: [args],
      updateId: 'call_tool_1',
    });
    expect(first).toMatchObject({ ok: true, value: { status: 'booked', startsAt: args.startsAt } });
    expect(retry).toEqual(first);
    expect(await platform.prisma.appointment.count({ where: { agentId } })).toBe(1);

    // Another caller asking for the same slot is refused in words the LLM can relay.
    const rival = await startCall('CAbook0001b');
    const again = await rival.executeUpdate(contract.bookAppointmentUpdate, {
      args: [args],
      updateId: 'call_tool_2',
    });
    expect(again).toEqual({ ok: false, error: expect.stringMatching(/already booked/) });
    await rival.signal(contract.callStatusSignal, { status: 'completed' });
    expect(await rival.result()).toMatchObject({ outcome: 'info-only', appointmentIds: [] });

    await handle.signal(contract.callStatusSignal, { status: 'completed' });
    const state = await handle.result();
    expect(state).toMatchObject({ phase: 'ended', outcome: 'booked', appointmentIds: [expect.any(String)] });
    const call = await platform.prisma.call.findUniqueOrThrow({
      where: { callSid: 'CAbook0001' },
      include: { customer: true },
    });
    expect(call).toMatchObject({
      status: 'completed',
      outcome: 'booked',
      customer: { phone: '+14155552671' },
    });
    expect(call.endedAt).not.toBeNull();
  });

  it('carries a booking in one workflow task: accepted, booked by a local activity and answered', async () => {
    const handle = await startCall('CAbook0004');
    await handle.signal(contract.mediaStartedSignal, { streamSid: 'MZbook0004', node: 'test' });
    // A call in conversation: its record exists and it is live (an earlier tool call would wait).
    for (;;) {
      const state = await handle.query(contract.callStateQuery);
      if (state.callId && state.phase === 'live') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const [slot] = await freeSlots(3);
    const result = await handle.executeUpdate(contract.bookAppointmentUpdate, {
      args: [{ startsAt: (slot as { startsAt: Date }).startsAt.toISOString() }],
      updateId: 'call_tool_4',
    });
    expect(result).toMatchObject({ ok: true });
    const events = (await handle.fetchHistory()).events ?? [];
    const accepted = events.findIndex(
      (e) =>
        e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === 'call_tool_4',
    );
    const completed = events.findIndex(
      (e) => e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === 'call_tool_4',
    );
    expect(accepted).toBeGreaterThan(0);
    expect(completed).toBeGreaterThan(accepted);
    // Everything between acceptance and the answer is the one task's commands: the booking's
    // marker, no activity task on the task queue and no second workflow task.
    const between = events.slice(accepted, completed).map((e) => e.eventType);
    expect(between).toContain(EventType.EVENT_TYPE_MARKER_RECORDED);
    expect(between).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(between).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    expect(events[accepted - 1]?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    await handle.signal(contract.callStatusSignal, { status: 'completed' });
    expect(await handle.result()).toMatchObject({ outcome: 'booked' });
  });

  it('rejects invalid tool arguments before anything is recorded', async () => {
    const handle = await startCall('CAbook0002');
    const bad = handle.executeUpdate(contract.bookAppointmentUpdate, {
      args: [{ startsAt: 'next tuesday at 3' }],
      updateId: 'call_tool_bad',
    });
    const failure = await bad.catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((failure as WorkflowUpdateFailedError).cause?.message).toMatch(/^invalid arguments: startsAt/);
    const offGrid = await handle.executeUpdate(contract.bookAppointmentUpdate, {
      args: [{ startsAt: '2030-01-07T14:07:00Z' }],
    });
    expect(offGrid).toEqual({ ok: false, error: expect.stringMatching(/not one of the bookable slots/) });
    expect(
      await platform.prisma.appointment.count({ where: { createdByCall: { callSid: 'CAbook0002' } } }),
    ).toBe(0);
    await handle.signal(contract.mediaStoppedSignal, { reason: 'caller hung up' });
    expect(await handle.result()).toMatchObject({ phase: 'ended', outcome: 'info-only' });
  });

  it("reschedules and cancels only the caller's own appointment", async () => {
    const handle = await startCall('CAbook0003');
    const [a, b] = await freeSlots(2);
    const booked = await handle.executeUpdate(contract.bookAppointmentUpdate, {
      args: [{ startsAt: (a as { startsAt: Date }).startsAt.toISOString() }],
    });
    if (!booked.ok) throw new Error(booked.error);
    const moved = await handle.executeUpdate(contract.rescheduleAppointmentUpdate, {
      args: [
        {
          appointmentId: booked.value.appointmentId,
          startsAt: (b as { startsAt: Date }).startsAt.toISOString(),
        },
      ],
    });
    expect(moved).toMatchObject({ ok: true, value: { status: 'rescheduled' } });
    const stranger = await handle.executeUpdate(contract.cancelAppointmentUpdate, {
      args: [{ appointmentId: '01900000-0000-7000-8000-000000000000' }],
    });
    expect(stranger).toEqual({ ok: false, error: 'no such appointment for this caller' });
    const cancelled = await handle.executeUpdate(contract.cancelAppointmentUpdate, {
      args: [{ appointmentId: booked.value.appointmentId }],
    });
    expect(cancelled).toMatchObject({ ok: true, value: { status: 'cancelled' } });
    await handle.signal(contract.callStatusSignal, { status: 'completed' });
    expect(await handle.result()).toMatchObject({ outcome: 'cancelled' });
  });
});
