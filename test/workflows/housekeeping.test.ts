import { randomBytes } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { registerHousekeepingSchedules } from '../../src/platform/housekeeping-schedules.ts';
import { crmReconciliationWorkflowType } from '../../src/workflows/crm/contract.ts';
import {
  CRM_RECONCILIATION_SCHEDULE_ID,
  RETENTION_PURGE_SCHEDULE_ID,
} from '../../src/workflows/housekeeping/contract.ts';
import { retentionPurgeWorkflow } from '../../src/workflows/housekeeping/retention-purge-workflow.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const DAY = 86_400_000;

describe('housekeeping', () => {
  let platform: TestPlatform;
  let agentId: string;
  const prefix = `test-${randomBytes(4).toString('hex')}:`;
  const logger = createLogger('silent');

  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'housekeeping' });
    agentId = (await seedDefaultAgent(platform.prisma)).id;
  });
  afterAll(async () => {
    if (platform) {
      for (const id of [RETENTION_PURGE_SCHEDULE_ID, CRM_RECONCILIATION_SCHEDULE_ID]) {
        await platform.client.schedule
          .getHandle(`${prefix}${id}`)
          .delete()
          .catch(() => undefined);
      }
      await platform.close();
    }
  });

  async function seedCall(callSid: string, ageDays: number, turns: number) {
    const startedAt = new Date(Date.now() - ageDays * DAY);
    const call = await platform.prisma.call.create({
      data: {
        callSid,
        direction: 'inbound',
        from: '+14155552671',
        to: '+14155550100',
        status: 'completed',
        agentId,
        startedAt,
      },
    });
    await platform.prisma.turn.createMany({
      data: Array.from({ length: turns }, (_, sequence) => ({
        callId: call.id,
        sequence,
        role: sequence % 2 ? ('assistant' as const) : ('user' as const),
        heardText: `turn ${sequence}`,
      })),
    });
    return call;
  }

  async function purgeSettings(cron: string) {
    return {
      taskQueue: platform.taskQueue,
      idPrefix: prefix,
      retention: { cron, retentionDays: 90, batchSize: 2 },
      crmReconciliation: { cron: '30 2 * * *' },
    };
  }

  it('registers each schedule once however often the worker starts, updating its settings', async () => {
    await registerHousekeepingSchedules(platform.client, await purgeSettings('15 3 * * *'), logger);
    await registerHousekeepingSchedules(platform.client, await purgeSettings('45 4 * * *'), logger);

    // Listing goes through the visibility store, which may lag a create by a moment.
    let ours: string[] = [];
    for (let i = 0; i < 50 && ours.length < 2; i += 1) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      ours = [];
      for await (const s of platform.client.schedule.list())
        if (s.scheduleId.startsWith(prefix)) ours.push(s.scheduleId);
    }
    expect(ours.sort()).toEqual([
      `${prefix}${CRM_RECONCILIATION_SCHEDULE_ID}`,
      `${prefix}${RETENTION_PURGE_SCHEDULE_ID}`,
    ]);

    const retention = await platform.client.schedule
      .getHandle(`${prefix}${RETENTION_PURGE_SCHEDULE_ID}`)
      .describe();
    expect(retention.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'retentionPurgeWorkflow',
      taskQueue: platform.taskQueue,
      args: [{ retentionDays: 90, batchSize: 2 }],
      workflowExecutionTimeout: 20 * 3_600_000,
    });
    expect(retention.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 4, end: 4, step: 1 }] });
    expect(retention.policies.overlap).toBe('SKIP');
    const crm = await platform.client.schedule
      .getHandle(`${prefix}${CRM_RECONCILIATION_SCHEDULE_ID}`)
      .describe();
    expect(crm.action).toMatchObject({ workflowType: crmReconciliationWorkflowType });
  });

  it('purges transcripts older than the retention period in batches and records the count', async () => {
    const old = await seedCall('CAold0001', 120, 3);
    const older = await seedCall('CAold0002', 400, 2);
    const recent = await seedCall('CAnew0001', 10, 4);
    const customer = await platform.prisma.customer.create({ data: { phone: '+14155552699' } });
    const appointment = await platform.prisma.appointment.create({
      data: {
        agentId,
        customerId: customer.id,
        startsAt: new Date(Date.now() - 100 * DAY),
        endsAt: new Date(Date.now() - 100 * DAY + 1_800_000),
        timeZone: 'UTC',
      },
    });
    await platform.prisma.reminderDelivery.create({
      data: {
        appointmentId: appointment.id,
        appointmentStartsAt: appointment.startsAt,
        offsetSeconds: 3600,
        channel: 'sms',
        status: 'skipped',
        to: customer.phone,
        body: 'Hi, see you tomorrow',
        claimedAt: new Date(Date.now() - 101 * DAY),
      },
    });

    const result = await platform.client.workflow.execute(retentionPurgeWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: `${prefix}purge-1`,
      args: [{ retentionDays: 90, batchSize: 2 }],
    });
    expect(result).toMatchObject({ turnsDeleted: 5, remindersAnonymised: 1, batches: 3 });

    expect(await platform.prisma.turn.count({ where: { callId: { in: [old.id, older.id] } } })).toBe(0);
    expect(await platform.prisma.turn.count({ where: { callId: recent.id } })).toBe(4);
    // Calls themselves stay: they are the record that a call happened.
    expect(await platform.prisma.call.count()).toBe(3);
    expect(await platform.prisma.reminderDelivery.findFirstOrThrow()).toMatchObject({
      to: 'redacted',
      body: '',
    });
    const audit = await platform.prisma.auditLogEntry.findMany({ where: { action: 'retention.purge' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details).toMatchObject({
      turnsDeleted: 5,
      remindersAnonymised: 1,
      retentionDays: 90,
      cutoff: result.cutoff,
    });

    // Nothing left: a second run deletes nothing and says so.
    const again = await platform.client.workflow.execute(retentionPurgeWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: `${prefix}purge-2`,
      args: [{ retentionDays: 90, batchSize: 2 }],
    });
    expect(again).toMatchObject({ turnsDeleted: 0, remindersAnonymised: 0, batches: 1 });
  });

  it('refuses a bad retention period and deletes nothing', async () => {
    await seedCall('CAold0003', 200, 1);
    const before = await platform.prisma.turn.count();
    const run = platform.client.workflow.execute(retentionPurgeWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: `${prefix}purge-bad`,
      args: [{ retentionDays: 0 }],
    });
    await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
    await expect(run).rejects.toMatchObject({ cause: { type: 'InvalidInput' } });
    expect(await platform.prisma.turn.count()).toBe(before);
  });

  it('the registered schedule runs the purge on the worker', async () => {
    await seedCall('CAold0004', 95, 2);
    await registerHousekeepingSchedules(platform.client, await purgeSettings('15 3 * * *'), logger);
    const before = await platform.prisma.auditLogEntry.count({ where: { action: 'retention.purge' } });
    await platform.client.schedule.getHandle(`${prefix}${RETENTION_PURGE_SCHEDULE_ID}`).trigger();
    const deadline = Date.now() + 30_000;
    while ((await platform.prisma.auditLogEntry.count({ where: { action: 'retention.purge' } })) === before) {
      if (Date.now() > deadline) throw new Error('the scheduled purge did not run');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const last = await platform.prisma.auditLogEntry.findFirstOrThrow({
      where: { action: 'retention.purge' },
      orderBy: { createdAt: 'desc' },
    });
    expect(last.details).toMatchObject({ turnsDeleted: 3 });
  });
});
