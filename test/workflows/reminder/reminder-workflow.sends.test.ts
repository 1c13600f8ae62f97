import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLocalTime } from '../../../src/domain/reminder-message.ts';
import { signTwilioRequest } from '../../../src/providers/twilio/signature.ts';
import {
  AGENT_PHONE,
  AUTH_TOKEN,
  createAppointment,
  eventually,
  type ReminderHarness,
  startReminder,
  startReminderHarness,
} from './harness.ts';

/**
 * Reminders on a real worker with offsets of seconds: what is sent, when, and how its delivery
 * status comes back through Twilio's signed status callback.
 */
describe('appointment reminder workflow: sending', () => {
  let h: ReminderHarness;

  beforeAll(async () => {
    h = await startReminderHarness('reminder-sends');
  });
  afterAll(() => h?.close());

  it('sends each reminder at its offset before the appointment and records delivery', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 16_000,
      timeZone: 'America/Los_Angeles',
      name: 'Dana',
    });
    const startsAt = appointment.startsAt.getTime();
    const handle = await startReminder(h, {
      appointmentId: appointment.id,
      offsetsMs: [12_000, 4_000],
      quietHours: null,
    });
    const summary = await handle.result();

    expect(summary.ended).toBe('appointment-started');
    expect(summary.outcomes.map((o) => [o.offsetMs, o.result])).toEqual([
      [12_000, 'sent'],
      [4_000, 'sent'],
    ]);
    const sent = h.twilio.messages.sentTo(phone);
    expect(sent).toHaveLength(2);
    const [first, second] = sent as [(typeof sent)[0], (typeof sent)[0]];
    // Not early; late only by worker and CPU lag on a shared machine.
    expect(first.createdAt.getTime()).toBeGreaterThanOrEqual(startsAt - 12_000);
    expect(first.createdAt.getTime()).toBeLessThan(startsAt - 4_000);
    expect(second.createdAt.getTime()).toBeGreaterThanOrEqual(startsAt - 4_000);
    expect(second.createdAt.getTime()).toBeLessThan(startsAt);
    expect(first.from).toBe(AGENT_PHONE);
    // The customer's own zone (Los Angeles), not the agent's (New York).
    const local = formatLocalTime(appointment.startsAt, 'America/Los_Angeles');
    expect(first.body).toBe(
      `Hi Dana, this is a reminder of your appointment with Acme Dental on ${local}. ` +
        'Call us back on this number if you need to change it.',
    );
    expect(local).toMatch(/P[SD]T$/);

    await h.twilio.messages.settled();
    const rows = await h.platform.prisma.reminderDelivery.findMany({
      where: { appointmentId: appointment.id },
      orderBy: { offsetSeconds: 'desc' },
    });
    expect(rows.map((r) => [r.offsetSeconds, r.status, r.messageSid])).toEqual([
      [12, 'delivered', first.sid],
      [4, 'delivered', second.sid],
    ]);
    expect(h.twilio.messages.callbackResponses.filter((c) => c.sid === first.sid)).toEqual([
      { sid: first.sid, status: 'queued', httpStatus: 204 },
      { sid: first.sid, status: 'sent', httpStatus: 204 },
      { sid: first.sid, status: 'delivered', httpStatus: 204 },
    ]);
  });

  it('skips offsets already past when it starts and sends the rest', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 6_000,
    });
    const handle = await startReminder(h, {
      appointmentId: appointment.id,
      offsetsMs: [3_600_000, 2_000],
      quietHours: null,
    });
    const summary = await handle.result();
    expect(summary.outcomes.map((o) => [o.offsetMs, o.result])).toEqual([
      [3_600_000, 'past'],
      [2_000, 'sent'],
    ]);
    expect(h.twilio.messages.sentTo(phone)).toHaveLength(1);
  });

  it('records a failed delivery reported by Twilio', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 5_000,
    });
    h.twilio.messages.setScenario(phone, { outcome: 'undelivered', errorCode: 30005 });
    await (
      await startReminder(h, { appointmentId: appointment.id, offsetsMs: [3_000], quietHours: null })
    ).result();
    const row = await eventually(async () => {
      const r = await h.platform.prisma.reminderDelivery.findFirst({
        where: { appointmentId: appointment.id },
      });
      return r?.status === 'undelivered' ? r : undefined;
    });
    expect(row.errorCode).toBe('30005');
    expect(h.twilio.messages.sentTo(phone)).toHaveLength(1);
  });

  it('records a message Twilio refuses as failed without retrying it', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 5_000,
    });
    h.twilio.messages.setScenario(phone, {
      reject: { status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' },
    });
    const handle = await startReminder(h, {
      appointmentId: appointment.id,
      offsetsMs: [3_000],
      quietHours: null,
    });
    const summary = await handle.result();
    expect(summary.outcomes.map((o) => o.result)).toEqual(['failed']);
    const row = await h.platform.prisma.reminderDelivery.findFirstOrThrow({
      where: { appointmentId: appointment.id },
    });
    expect(row).toMatchObject({ status: 'failed', errorCode: '21610', messageSid: null });
    expect(row.reason).toMatch(/unsubscribed/);
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    expect(attempts.every((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) === 1)).toBe(true);
  });

  it('rejects a status callback with a forged signature and changes nothing', async () => {
    const { appointment } = await createAppointment(h.platform.prisma, h.agentId, { startsInMs: 4_000 });
    await (
      await startReminder(h, { appointmentId: appointment.id, offsetsMs: [2_000], quietHours: null })
    ).result();
    await h.twilio.messages.settled();
    const row = await h.platform.prisma.reminderDelivery.findFirstOrThrow({
      where: { appointmentId: appointment.id },
    });
    expect(row.status).toBe('delivered');
    const url = `${h.realtimeUrl}/twilio/message-status`;
    const params = { MessageSid: row.messageSid as string, MessageStatus: 'failed', ErrorCode: '30008' };
    const post = (signature: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      });
    const forged = await post(signTwilioRequest('not-the-auth-token', url, params));
    expect(forged.status).toBe(403);
    const unsigned = await post('');
    expect(unsigned.status).toBe(403);
    const after = await h.platform.prisma.reminderDelivery.findUniqueOrThrow({ where: { id: row.id } });
    expect(after).toMatchObject({ status: 'delivered', errorCode: null });

    // Properly signed, a late out-of-order `sent` is acknowledged but never moves it backwards.
    const late = { MessageSid: row.messageSid as string, MessageStatus: 'sent' };
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, url, late),
      },
      body: new URLSearchParams(late).toString(),
    });
    expect(response.status).toBe(204);
    expect(
      await h.platform.prisma.reminderDelivery.findUniqueOrThrow({ where: { id: row.id } }),
    ).toMatchObject({
      status: 'delivered',
    });
  });

  it('sends from the number the customer called when the agent has none of its own', async () => {
    const agent = await h.platform.prisma.agent.create({
      data: {
        name: 'Numberless',
        systemPrompt: 'p',
        greeting: 'g',
        voice: 'v',
        ttsModel: 't',
        sttModel: 's',
      },
    });
    const { appointment, phone, customer } = await createAppointment(h.platform.prisma, agent.id, {
      startsInMs: 5_000,
    });
    const call = await h.platform.prisma.call.create({
      data: {
        callSid: 'CAsender0001',
        direction: 'inbound',
        from: phone,
        to: '+14155550177',
        status: 'completed',
        agentId: agent.id,
        customerId: customer.id,
      },
    });
    await h.platform.prisma.appointment.update({
      where: { id: appointment.id },
      data: { createdByCallId: call.id },
    });
    await (
      await startReminder(h, { appointmentId: appointment.id, offsetsMs: [3_000], quietHours: null })
    ).result();
    expect(h.twilio.messages.sentTo(phone).map((m) => m.from)).toEqual(['+14155550177']);
  });

  it('records a reminder call that cannot be placed (no telephony here) as failed, with the reason', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 5_000,
    });
    const handle = await startReminder(h, {
      appointmentId: appointment.id,
      offsetsMs: [3_000],
      quietHours: null,
      channel: 'call',
    });
    const summary = await handle.result();
    expect(summary.outcomes.map((o) => o.result)).toEqual(['failed']);
    expect(h.twilio.messages.sentTo(phone)).toHaveLength(0);
    const row = await h.platform.prisma.reminderDelivery.findFirstOrThrow({
      where: { appointmentId: appointment.id },
    });
    expect(row).toMatchObject({
      status: 'failed',
      channel: 'call',
      reason: 'failed: no telephony account is configured for dialing',
    });
  });
});
