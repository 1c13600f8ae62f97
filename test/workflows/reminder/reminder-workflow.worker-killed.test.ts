import { type ChildProcess, spawn } from 'node:child_process';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reminderWorkflowId } from '../../../src/workflows/reminder/contract.ts';
import { appointmentReminderWorkflow } from '../../../src/workflows/reminder/reminder-workflow.ts';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  createAppointment,
  type ReminderHarness,
  startReminderHarness,
  timerStarted,
} from './harness.ts';

const FIXTURE = new URL('./fixtures/reminder-worker.ts', import.meta.url).pathname;

/** A worker process serving `taskQueue`; resolves once it polls. */
function spawnWorker(h: ReminderHarness, taskQueue: string, restUrl: string): Promise<ChildProcess> {
  const { address, namespace } = inject('temporal');
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: h.platform.databaseUrl,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TASK_QUEUE: taskQueue,
      SIM_TWILIO_URL: restUrl,
      SIM_ACCOUNT_SID: ACCOUNT_SID,
      SIM_AUTH_TOKEN: AUTH_TOKEN,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line === 'worker ready') resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${stderr}`)));
  });
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** The reminder's timer lives in Temporal, not in the worker: SIGKILL the worker while it sleeps. */
describe('appointment reminder workflow: worker killed while a timer is pending', () => {
  let h: ReminderHarness;
  let restUrl: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    h = await startReminderHarness('reminder-killed');
    restUrl = `http://127.0.0.1:${(h.twilio.app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const child of children) await kill(child);
    await h?.close();
  });

  it('fires the reminder once on a new worker', async () => {
    const taskQueue = `${h.platform.taskQueue}-own`;
    children.push(await spawnWorker(h, taskQueue, restUrl));
    const { appointment, phone } = await createAppointment(h.platform.prisma, h.agentId, {
      startsInMs: 75_000,
    });
    const dueAt = appointment.startsAt.getTime() - 30_000;
    const handle = await h.platform.client.workflow.start(appointmentReminderWorkflow, {
      taskQueue,
      workflowId: reminderWorkflowId(appointment.id),
      args: [{ appointmentId: appointment.id, offsetsMs: [30_000], quietHours: null }],
    });
    await timerStarted(handle);
    await kill(children[0]);
    expect(Date.now()).toBeLessThan(dueAt);

    children.push(await spawnWorker(h, taskQueue, restUrl));
    const summary = await handle.result();
    const sent = h.twilio.messages.sentTo(phone);
    expect(sent).toHaveLength(1);
    expect(summary.outcomes).toEqual([expect.objectContaining({ result: 'sent', messageSid: sent[0]?.sid })]);
    const latenessMs = (sent[0]?.createdAt.getTime() ?? 0) - dueAt;
    expect(latenessMs).toBeGreaterThanOrEqual(0);
    // Sticky-queue timeout (5 s) plus a contended CPU; far under the 30 s before the appointment.
    expect(latenessMs).toBeLessThan(20_000);
    console.info(`reminder lateness after worker SIGKILL: ${latenessMs} ms`);
  }, 180_000);
});
