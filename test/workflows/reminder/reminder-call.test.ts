import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLocalTime } from '../../../src/domain/reminder-message.ts';
import { callWorkflowId } from '../../../src/workflows/call/contract.ts';
import { outboundCallWorkflow } from '../../../src/workflows/outbound/outbound-workflow.ts';
import { reminderCallWorkflowId, reminderWorkflowId } from '../../../src/workflows/reminder/contract.ts';
import { appointmentReminderWorkflow } from '../../../src/workflows/reminder/reminder-workflow.ts';
import { type OutboundHarness, startOutboundHarness } from '../../support/outbound.ts';

const AGENT_PHONE = '+14155550199';
const ANSWERS = '+14155554001';
const BUSY = '+14155554002';
const ALREADY_DIALED = '+14155554003';

/**
 * REMINDER_CHANNEL=call (here the workflow's channel override): the reminder is a one-off call
 * through the real outbound workflow, the simulated Twilio, the real webhooks and media path, and
 * its delivery status comes from the call's disposition.
 */
describe('appointment reminder workflow: call channel', () => {
  let h: OutboundHarness;
  let agentId: string;

  beforeAll(async () => {
    h = await startOutboundHarness({
      name: 'reminder-call',
      scenarios: {
        [ANSWERS]: { kind: 'answer', script: [{ hangUp: true, afterAgentSilenceMs: 600 }] },
        [BUSY]: { kind: 'busy' },
        [ALREADY_DIALED]: { kind: 'busy' },
      },
    });
    const agent = await h.platform.prisma.agent.create({
      data: {
        name: 'Reminder caller',
        systemPrompt: 'You remind {{customer_name}} of their appointment on {{appointment_time}}.',
        greeting:
          'Hi {{customer_name}}, {{business_name}} here about your appointment on {{appointment_time}}.',
        voice: 'sim-voice',
        ttsModel: 'sim',
        sttModel: 'sim',
        isDefault: true,
        enabledTools: ['endCall'],
      },
    });
    agentId = agent.id;
    await h.platform.prisma.agentPhoneNumber.create({ data: { phone: AGENT_PHONE, agentId } });
  }, 120_000);
  afterAll(() => h?.close());

  async function appointmentFor(phone: string, startsInMs: number) {
    const customer = await h.platform.prisma.customer.create({
      data: { phone, name: 'Robin', timeZone: 'America/Chicago' },
    });
    const startsAt = new Date(Math.ceil((Date.now() + startsInMs) / 1000) * 1000);
    return h.platform.prisma.appointment.create({
      data: {
        agentId,
        customerId: customer.id,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 30 * 60_000),
        timeZone: 'America/New_York',
      },
    });
  }

  function startReminder(appointmentId: string, offsetsMs: number[]) {
    return h.platform.client.workflow.start(appointmentReminderWorkflow, {
      taskQueue: h.platform.taskQueue,
      workflowId: reminderWorkflowId(appointmentId),
      args: [{ appointmentId, offsetsMs, quietHours: null, channel: 'call' }],
    });
  }

  it('calls the customer, greets with the appointment, and records the call as delivered', async () => {
    const appointment = await appointmentFor(ANSWERS, 20_000);
    const summary = await (await startReminder(appointment.id, [15_000])).result();

    expect(summary.ended).toBe('appointment-started');
    expect(summary.outcomes).toEqual([
      expect.objectContaining({
        offsetMs: 15_000,
        result: 'delivered',
        callSid: expect.stringMatching(/^CA/),
      }),
    ]);
    expect(h.sim.dialCount(ANSWERS)).toBe(1);
    const callSid = summary.outcomes[0]?.callSid as string;
    const delivery = await h.platform.prisma.reminderDelivery.findFirstOrThrow({
      where: { appointmentId: appointment.id },
    });
    expect(delivery).toMatchObject({
      channel: 'call',
      status: 'delivered',
      callSid,
      reason: expect.stringMatching(/^answered/),
    });
    expect(delivery.sentAt).not.toBeNull();

    // The dial ran under the reminder's deterministic id, from the agent's number.
    const dial = await h.platform.client.workflow
      .getHandle(reminderCallWorkflowId(appointment.id, appointment.startsAt.toISOString(), 15))
      .result();
    expect(dial).toMatchObject({ disposition: 'answered', callSid });
    await h.platform.client.workflow.getHandle(callWorkflowId(callSid)).result();
    const call = await h.platform.prisma.call.findUniqueOrThrow({
      where: { callSid },
      include: { turns: { orderBy: { sequence: 'asc' } } },
    });
    expect(call).toMatchObject({ direction: 'outbound', from: AGENT_PHONE, to: ANSWERS, agentId });
    const when = formatLocalTime(appointment.startsAt, 'America/Chicago');
    expect(call.turns.find((t) => t.role === 'assistant')?.heardText).toBe(
      `Hi Robin, Acme Dental here about your appointment on ${when}.`,
    );
    expect(h.sim.errors).toEqual([]);
  }, 120_000);

  it('records a busy line as undelivered and does not call again', async () => {
    const appointment = await appointmentFor(BUSY, 12_000);
    const summary = await (await startReminder(appointment.id, [8_000])).result();
    expect(summary.outcomes.map((o) => o.result)).toEqual(['undelivered']);
    expect(h.sim.dialCount(BUSY)).toBe(1);
    expect(
      await h.platform.prisma.reminderDelivery.findFirstOrThrow({ where: { appointmentId: appointment.id } }),
    ).toMatchObject({ status: 'undelivered', reason: expect.stringMatching(/^busy/) });
  }, 120_000);

  it('never dials a reminder whose call id an earlier run already used', async () => {
    const appointment = await appointmentFor(ALREADY_DIALED, 12_000);
    // As if an earlier run had placed the call and died before recording it.
    const earlier = await h.platform.client.workflow.start(outboundCallWorkflow, {
      taskQueue: h.platform.taskQueue,
      workflowId: reminderCallWorkflowId(appointment.id, appointment.startsAt.toISOString(), 8),
      args: [{ to: ALREADY_DIALED, from: AGENT_PHONE, agentId }],
    });
    await earlier.result();
    expect(h.sim.dialCount(ALREADY_DIALED)).toBe(1);

    const summary = await (await startReminder(appointment.id, [8_000])).result();
    expect(summary.outcomes.map((o) => o.result)).toEqual(['already-handled']);
    expect(h.sim.dialCount(ALREADY_DIALED)).toBe(1);
  }, 120_000);
});
