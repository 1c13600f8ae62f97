import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFreeSlots } from '../../src/db/appointments.ts';
import { callWorkflow } from '../../src/workflows/call/call-workflow.ts';
import * as call from '../../src/workflows/call/contract.ts';
import { reminderWorkflowId } from '../../src/workflows/reminder/contract.ts';
import { recordHistory } from '../support/histories.ts';
import { type ReminderHarness, startReminder, startReminderHarness } from './reminder/harness.ts';

const WORKFLOWS = new URL('../../src/workflows/index.ts', import.meta.url).pathname;
const CALLER = '+14155552690';

/**
 * An LLM may return several tool calls in one message; the media node sends them as concurrent
 * Updates. Each runs a local activity, and a reschedule of an earlier booking then signals its
 * reminder, while media heartbeats keep arriving. Before the tools ran one at a time
 * ('tools-one-at-a-time'), such a call's history did not replay: run rounds of parallel tools,
 * then replay the call's own history.
 */
describe('parallel tool calls in one call', () => {
  let h: ReminderHarness;

  beforeAll(async () => {
    h = await startReminderHarness('parallel-tools');
  });
  afterAll(() => h?.close());

  it('land once each and the history replays', async () => {
    const prisma = h.platform.prisma;
    const customer = await prisma.customer.create({ data: { phone: CALLER, name: 'Pat' } });
    const from = new Date(Date.now() + 86_400_000);
    const slots = await listFreeSlots(prisma, {
      agentId: h.agentId,
      from,
      to: new Date(from.getTime() + 21 * 86_400_000),
      limit: 12,
    });
    const at = (i: number) => (slots[i] as { startsAt: Date; endsAt: Date }).startsAt;
    // Two appointments from an earlier call, each with its reminder running.
    const earlier = await Promise.all(
      [0, 1].map((i) =>
        prisma.appointment.create({
          data: {
            agentId: h.agentId,
            customerId: customer.id,
            startsAt: at(i),
            endsAt: (slots[i] as { endsAt: Date }).endsAt,
            timeZone: 'America/New_York',
          },
        }),
      ),
    );
    await Promise.all(earlier.map((a) => startReminder(h, { appointmentId: a.id })));

    const handle = await h.platform.client.workflow.start(callWorkflow, {
      taskQueue: h.platform.taskQueue,
      workflowId: call.callWorkflowId('CAparallel01'),
      args: [{ callSid: 'CAparallel01', direction: 'inbound', from: CALLER, to: '+14155550100' }],
    });
    await handle.signal(call.mediaStartedSignal, { streamSid: 'MZparallel01', node: 'test' });

    const booked: string[] = [];
    for (let round = 0; round < 3; round++) {
      const [a, b, c] = [2 + round * 3, 3 + round * 3, 4 + round * 3];
      const results = await Promise.all([
        handle.executeUpdate(call.rescheduleAppointmentUpdate, {
          args: [{ appointmentId: (earlier[0] as { id: string }).id, startsAt: at(a).toISOString() }],
          updateId: `tool-r${round}-a`,
        }),
        handle.executeUpdate(call.rescheduleAppointmentUpdate, {
          args: [{ appointmentId: (earlier[1] as { id: string }).id, startsAt: at(b).toISOString() }],
          updateId: `tool-r${round}-b`,
        }),
        handle.executeUpdate(call.bookAppointmentUpdate, {
          args: [{ startsAt: at(c).toISOString() }],
          updateId: `tool-r${round}-c`,
        }),
        handle.signal(call.mediaHeartbeatSignal).then(() => ({ ok: true as const, value: undefined })),
      ]);
      expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
      const bookedNow = results[2] as { ok: true; value: { appointmentId: string } };
      booked.push(bookedNow.value.appointmentId);
    }
    await handle.signal(call.callStatusSignal, { status: 'completed' });
    await handle.result();
    await recordHistory(handle, 'call', 'parallel-tools');

    // Each tool landed exactly once: the moved appointments sit on their last slots, three new ones.
    const rows = await prisma.appointment.findMany({
      where: { customerId: customer.id, status: { not: 'cancelled' } },
      orderBy: { startsAt: 'asc' },
    });
    expect(rows.map((r) => r.startsAt.toISOString()).sort()).toEqual(
      [8, 9, 4, 7, 10].map((i) => at(i).toISOString()).sort(),
    );
    expect(new Set(booked).size).toBe(3);

    const history = await handle.fetchHistory();
    // The rounds' tools were handled within one workflow task (more than one tool marker in a
    // task): where the order of their local activities matters.
    let most = 0;
    let inTask = 0;
    for (const e of history.events ?? []) {
      if (e.markerRecordedEventAttributes) most = Math.max(most, ++inTask);
      if (e.workflowTaskCompletedEventAttributes) inTask = 0;
    }
    expect(most).toBeGreaterThan(1);
    // Both earlier reminders heard every move.
    for (const a of earlier) {
      const { events } = await h.platform.client.workflow.getHandle(reminderWorkflowId(a.id)).fetchHistory();
      expect((events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(3);
    }
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS }, history, 'CAparallel01');
  });
});
