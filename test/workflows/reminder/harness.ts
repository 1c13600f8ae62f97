import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ReminderSettings } from '../../../src/activities/reminder-activities.ts';
import type { PrismaClient } from '../../../src/db/client.ts';
import { recordMessageStatus } from '../../../src/db/reminder-deliveries.ts';
import { createLogger } from '../../../src/logger.ts';
import { createHealthChecker } from '../../../src/platform/health.ts';
import { createTwilioMessaging } from '../../../src/providers/twilio/messaging.ts';
import { buildRealtime } from '../../../src/realtime/app.ts';
import { createStreamTokens } from '../../../src/realtime/media/stream-token.ts';
import { createSimTwilioRest, type SimTwilioRest } from '../../../src/sim/twilio/rest.ts';
import { type ReminderWorkflowInput, reminderWorkflowId } from '../../../src/workflows/reminder/contract.ts';
import { appointmentReminderWorkflow } from '../../../src/workflows/reminder/reminder-workflow.ts';
import { seedDefaultAgent } from '../../support/agents.ts';
import { startTestPlatform, type TestPlatform } from '../../support/platform.ts';

export const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
export const AUTH_TOKEN = 'reminder-test-auth-token-0123456789';
export const AGENT_PHONE = '+14155550100';

/**
 * Reminder tests' world: a real worker and Postgres, the simulated Twilio REST API (Messages)
 * reached through the real Twilio SDK adapter, and a realtime node that receives the simulated
 * Twilio's signed message status callbacks.
 */
export interface ReminderHarness {
  platform: TestPlatform;
  twilio: SimTwilioRest;
  realtime: FastifyInstance;
  realtimeUrl: string;
  agentId: string;
  settings: ReminderSettings;
  close(): Promise<void>;
}

export async function startReminderHarness(name: string): Promise<ReminderHarness> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const twilio = await createSimTwilioRest({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, logger });
  const restUrl = await twilio.listen();
  const messaging = createTwilioMessaging({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    baseUrl: restUrl,
    logger,
  });
  // Filled in once the realtime node listens: activities read it when they send.
  const settings: ReminderSettings = {
    offsetsMs: [24 * 3_600_000],
    quietHours: null,
    channel: 'sms',
    businessName: 'Acme Dental',
  };
  const platform = await startTestPlatform({ name, activityDeps: { messaging, reminders: settings } });
  const port = await freePort();
  const realtimeUrl = `http://127.0.0.1:${port}`;
  const health = createHealthChecker({});
  const realtime = await buildRealtime({
    logger,
    health,
    readiness: health,
    twilio: {
      client: platform.client,
      taskQueue: platform.taskQueue,
      authToken: AUTH_TOKEN,
      // Twilio signs the public URL; here that is the loopback one.
      publicBaseUrl: realtimeUrl,
      tokens: createStreamTokens({ secret: 'reminder-test-stream-secret', ttlMs: 60_000 }),
      recordMessageStatus: (update) => recordMessageStatus(platform.prisma, update),
    },
  });
  await realtime.listen({ host: '127.0.0.1', port });
  settings.statusCallbackUrl = `${realtimeUrl}/twilio/message-status`;
  const agent = await seedDefaultAgent(platform.prisma);
  await platform.prisma.agentPhoneNumber.create({ data: { phone: AGENT_PHONE, agentId: agent.id } });
  return {
    platform,
    twilio,
    realtime,
    realtimeUrl,
    agentId: agent.id,
    settings,
    async close() {
      await twilio.messages.settled();
      await realtime.close();
      await twilio.close();
      await platform.close();
    },
  };
}

let customerCounter = 0;

/** A customer and an appointment starting `startsInMs` from now. */
export async function createAppointment(
  prisma: PrismaClient,
  agentId: string,
  options: { startsInMs: number; timeZone?: string; name?: string },
) {
  customerCounter += 1;
  const phone = `+1415555${String(1000 + customerCounter).padStart(4, '0')}`;
  const customer = await prisma.customer.create({
    data: { phone, name: options.name ?? 'Dana', timeZone: options.timeZone ?? 'America/Los_Angeles' },
  });
  const startsAt = new Date(Math.ceil((Date.now() + options.startsInMs) / 1000) * 1000);
  const appointment = await prisma.appointment.create({
    data: {
      agentId,
      customerId: customer.id,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * 60_000),
      timeZone: 'America/New_York',
    },
  });
  return { appointment, customer, phone };
}

export function startReminder(h: ReminderHarness, input: ReminderWorkflowInput) {
  return h.platform.client.workflow.start(appointmentReminderWorkflow, {
    taskQueue: h.platform.taskQueue,
    workflowId: reminderWorkflowId(input.appointmentId),
    args: [input],
  });
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the workflow sleeps on a durable timer (it has read and planned the appointment). */
export async function timerStarted(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }) {
  await eventually(async () => {
    const { events } = await handle.fetchHistory();
    return (events ?? []).some(
      (e) => (e as { timerStartedEventAttributes?: unknown }).timerStartedEventAttributes,
    )
      ? true
      : undefined;
  });
}
