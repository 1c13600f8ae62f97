import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointmentChangedSignal } from '../../../src/workflows/reminder/contract.ts';
import {
  createAppointment,
  eventually,
  type ReminderHarness,
  startReminder,
  startReminderHarness,
  timerStarted,
} from './harness.ts';

const hhmm = (at: Date) => at.toISOString().slice(11, 16);

/** Reminders follow the appointment: reschedule, cancel, quiet hours, retries. */
describe('appointment reminder workflow: changes and guarantees', () => {
  let h: ReminderHarness;

  beforeAll(async () => {
    h = await startReminderHarness('reminder-changes');
  });
  afterAll(() => h?.close());

  it('recomputes the reminder time when the appointment is rescheduled', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 120_000,
    });
    const handle = await startReminder(h, {
      appointmentId: appointment.id,
      offsetsMs: [4_000],
      quietHours: null,
    });
    await timerStarted(handle);
    const movedTo = new Date(Math.ceil((Date.now() + 9_000) / 1000) * 1000);
    await h.platform.prisma.appointment.update({
      where: { id: appointment.id },
      data: { startsAt: movedTo, endsAt: new Date(movedTo.getTime() + 1_800_000), status: 'rescheduled' },
    });
    await handle.signal(appointmentChangedSignal, { change: 'rescheduled' });

    const summary = await handle.result();
    expect(summary.ended).toBe('appointment-started');
    expect(summary.outcomes).toEqual([
      expect.objectContaining({ startsAt: movedTo.toISOString(), offsetMs: 4_000, result: 'sent' }),
    ]);
    const [message, ...others] = h.twilio.messages.sentTo(phone);
    expect(others).toHaveLength(0);
    expect(message?.createdAt.getTime()).toBeGreaterThanOrEqual(movedTo.getTime() - 4_000);
    expect(message?.createdAt.getTime()).toBeLessThan(movedTo.getTime());
    const row = await h.platform.prisma.reminderDelivery.findFirstOrThrow({
      where: { appointmentId: appointment.id },
    });
    expect(row.appointmentStartsAt.toISOString()).toBe(movedTo.toISOString());
  });

  it('ends without sending anything when the appointment is cancelled', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 60_000,
    });
    const handle = await startReminder(h, {
      appointmentId: appointment.id,
      offsetsMs: [50_000],
      quietHours: null,
    });
    await timerStarted(handle);
    await h.platform.prisma.appointment.update({
      where: { id: appointment.id },
      data: { status: 'cancelled', cancelledAt: new Date() },
    });
    await handle.signal(appointmentChangedSignal, { change: 'cancelled' });
    const summary = await handle.result();
    expect(summary).toEqual({ appointmentId: appointment.id, ended: 'cancelled', outcomes: [] });
    expect(h.twilio.messages.sentTo(phone)).toHaveLength(0);
    expect(await h.platform.prisma.reminderDelivery.count({ where: { appointmentId: appointment.id } })).toBe(
      0,
    );
  });

  it('checks the appointment still stands before sending, even without a signal', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 7_000,
    });
    const handle = await startReminder(h, {
      appointmentId: appointment.id,
      offsetsMs: [4_000],
      quietHours: null,
    });
    await timerStarted(handle);
    // Cancelled behind the workflow's back (no signal): the send-time re-read catches it.
    await h.platform.prisma.appointment.update({
      where: { id: appointment.id },
      data: { status: 'cancelled', cancelledAt: new Date() },
    });
    const summary = await handle.result();
    expect(summary.ended).toBe('cancelled');
    expect(h.twilio.messages.sentTo(phone)).toHaveLength(0);
    expect(await h.platform.prisma.reminderDelivery.count({ where: { appointmentId: appointment.id } })).toBe(
      0,
    );
  });

  it('does not send during quiet hours and does not wake the customer later either', async () => {
    // Quiet hours (UTC customer) opened a minute ago and last ten minutes: the reminder due in
    // 3 s would move before their start, which has passed, so it is skipped.
    const now = new Date();
    const quietHours = {
      start: hhmm(new Date(now.getTime() - 60_000)),
      end: hhmm(new Date(now.getTime() + 600_000)),
    };
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 6_000,
      timeZone: 'UTC',
    });
    const handle = await startReminder(h, { appointmentId: appointment.id, offsetsMs: [3_000], quietHours });
    const summary = await handle.result();
    expect(summary.outcomes.map((o) => o.result)).toEqual(['quiet-hours']);
    expect(h.twilio.messages.sentTo(phone)).toHaveLength(0);
  });

  it('sends one SMS when the activity is retried after Twilio accepted it', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 7_000,
    });
    // Twilio takes the message but the answer is lost (500): the activity fails and is retried.
    h.twilio.messages.setScenario(phone, { loseResponses: 1 });
    const handle = await startReminder(h, {
      appointmentId: appointment.id,
      offsetsMs: [5_000],
      quietHours: null,
    });
    const summary = await handle.result();

    const sent = h.twilio.messages.sentTo(phone);
    expect(sent).toHaveLength(1);
    expect(summary.outcomes).toEqual([expect.objectContaining({ result: 'sent', messageSid: sent[0]?.sid })]);
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? [])
      .map((e) => e.activityTaskStartedEventAttributes?.attempt)
      .filter((a): a is number => typeof a === 'number');
    expect(Math.max(...attempts)).toBe(2);
    const row = await eventually(async () => {
      const r = await h.platform.prisma.reminderDelivery.findFirst({
        where: { appointmentId: appointment.id },
      });
      return r?.status === 'delivered' ? r : undefined;
    });
    expect(row.messageSid).toBe(sent[0]?.sid);
  });

  it('a second start for the same appointment is refused and sends nothing more', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 6_000,
    });
    const input = { appointmentId: appointment.id, offsetsMs: [3_000], quietHours: null };
    const handle = await startReminder(h, input);
    await expect(startReminder(h, input)).rejects.toThrow(/already started/i);
    await handle.result();
    expect(h.twilio.messages.sentTo(phone)).toHaveLength(1);
  });

  it('refuses unusable overrides before doing anything', async () => {
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 5_000,
    });
    const handle = await startReminder(h, { appointmentId: appointment.id, offsetsMs: [-1_000] });
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failure).toMatchObject({
      cause: { type: 'InvalidInput', message: expect.stringMatching(/offsetsMs/) },
    });
    expect(h.twilio.messages.sentTo(phone)).toHaveLength(0);
    expect(await h.platform.prisma.reminderDelivery.count({ where: { appointmentId: appointment.id } })).toBe(
      0,
    );
  });
});
