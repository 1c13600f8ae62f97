import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrmSim, startCrmSim } from '../../src/sim/crm/server.ts';
import { crmReplayWorkflowId, crmSyncWorkflowId } from '../../src/workflows/crm/contract.ts';
import { crmReconciliationWorkflow } from '../../src/workflows/crm/crm-reconciliation-workflow.ts';
import { crmReplayWorkflow, crmSyncWorkflow } from '../../src/workflows/crm/crm-sync-workflow.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { seedAnalysedCall } from '../support/calls.ts';
import { simCrmSettings } from '../support/crm.ts';
import { recordHistory } from '../support/histories.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

describe('CRM sync: retries, dead letters, replay, reconciliation', () => {
  let platform: TestPlatform;
  let crm: CrmSim;
  let agentId: string;

  beforeAll(async () => {
    crm = await startCrmSim();
    platform = await startTestPlatform({
      name: 'crm-sync',
      activityDeps: { crm: simCrmSettings(crm, { adapters: ['webhook', 'hubspot'] }) },
    });
    agentId = (await seedDefaultAgent(platform.prisma)).id;
  });
  afterAll(async () => {
    await platform?.close();
    await crm?.close();
  });

  const sync = (callId: string) =>
    platform.client.workflow.execute(crmSyncWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: crmSyncWorkflowId(callId, 1),
      args: [{ callId, version: 1 }],
    });
  const records = (callId: string) =>
    platform.prisma.crmSyncRecord.findMany({ where: { callId }, orderBy: { adapter: 'asc' } });

  it('rides out an outage and writes each record exactly once to every CRM', async () => {
    const calls = await Promise.all([1, 2, 3].map(() => seedAnalysedCall(platform.prisma, agentId)));
    crm.faults.outageUntilMs = Date.now() + 10 * 60_000;
    const running = Promise.all(calls.map((c) => sync(c.callId)));
    // The CRM comes back once every record was refused by both CRMs at least once.
    const refusedEverywhere = () =>
      calls.every(({ callId }) => {
        const refused = crm.ledger.requestsFor(`crm:${callId}:1`).filter((r) => r.status === 503);
        return (
          refused.some((r) => r.path === '/webhook') && refused.some((r) => r.path.startsWith('/hubspot'))
        );
      });
    try {
      await expect.poll(refusedEverywhere, { timeout: 60_000, interval: 100 }).toBe(true);
    } finally {
      crm.faults.outageUntilMs = 0;
    }
    const results = await running;
    for (const result of results) {
      expect(result.results.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    }
    expect(crm.faults.injected.outage).toBeGreaterThan(0);
    for (const { callId } of calls) {
      const key = `crm:${callId}:1`;
      // One webhook delivery and one HubSpot note per key, although each CRM was asked more than once.
      expect(
        crm.ledger
          .callWritesFor(key)
          .map((w) => w.vendor)
          .sort(),
      ).toEqual(['hubspot', 'webhook']);
      expect(crm.ledger.requestsFor(key).filter((r) => r.status === 503).length).toBeGreaterThan(0);
      const rows = await records(callId);
      expect(rows.map((r) => [r.adapter, r.status])).toEqual([
        ['hubspot', 'succeeded'],
        ['webhook', 'succeeded'],
      ]);
      expect(rows.every((r) => r.attempts > 1 && r.syncedAt !== null && r.externalId)).toBe(true);
    }
  });

  it("waits as long as the CRM's Retry-After says, beyond the backoff ceiling", async () => {
    const { callId } = await seedAnalysedCall(platform.prisma, agentId);
    const key = `crm:${callId}:1`;
    crm.faults.retryAfterSec = 3;
    crm.faults.outageUntilMs = Date.now() + 60_000;
    const finished = sync(callId);
    try {
      // The outage ends as soon as the first webhook attempt has been refused.
      await expect
        .poll(() => crm.ledger.requestsFor(key).some((r) => r.path === '/webhook' && r.status === 503), {
          timeout: 30_000,
        })
        .toBe(true);
    } finally {
      crm.faults.outageUntilMs = 0;
      crm.faults.retryAfterSec = undefined;
    }
    await finished;
    const webhookTimes = crm.ledger
      .requestsFor(key)
      .filter((r) => r.path === '/webhook')
      .map((r) => r.atMs);
    expect(webhookTimes.length).toBe(2);
    // maximumInterval is 1 s; only Retry-After explains a gap of ~3 s.
    expect((webhookTimes[1] as number) - (webhookTimes[0] as number)).toBeGreaterThanOrEqual(2900);
  });

  it('dead-letters a rejected record after one attempt, alerts, and replays it exactly once', async () => {
    const { callId } = await seedAnalysedCall(platform.prisma, agentId);
    const key = `crm:${callId}:1`;
    crm.faults.rejectKeys.set(key, 422);
    const result = await sync(callId);
    expect(result.results.map((r) => r.status)).toEqual(['dead_lettered', 'dead_lettered']);
    await recordHistory(
      platform.client.workflow.getHandle(crmSyncWorkflowId(callId, 1)),
      'post-crm',
      'crm-sync-dead-lettered',
    );
    const letters = await platform.prisma.crmDeadLetter.findMany({
      where: { syncRecord: { callId } },
      include: { syncRecord: true },
    });
    expect(letters).toHaveLength(2);
    for (const letter of letters) {
      expect(letter.syncRecord).toMatchObject({ status: 'dead_lettered', attempts: 1 });
      expect(letter.reason).toMatch(/answered 422$/);
      expect(letter.response).toMatchObject({
        status: 422,
        body: { message: 'simulated rejection of this record' },
      });
      expect(letter.request).toMatchObject({ method: 'POST', record: { idempotencyKey: key } });
      expect(JSON.stringify(letter.request)).not.toContain(crm.hubspot.accessToken);
    }
    // Exactly one attempt per CRM reached the server, and nothing was written.
    expect(crm.ledger.requestsFor(key)).toHaveLength(2);
    expect(crm.ledger.callWritesFor(key)).toHaveLength(0);
    const alerts = crm.ledger.alerts.filter((a) => a.text.includes(key));
    expect(alerts).toHaveLength(2);

    // The cause is fixed at the CRM; replaying twice writes once.
    crm.faults.rejectKeys.delete(key);
    for (const letter of letters) {
      for (let i = 0; i < 2; i++) {
        const replay = await platform.client.workflow.execute(crmReplayWorkflow, {
          taskQueue: platform.taskQueue,
          workflowId: crmReplayWorkflowId(letter.id),
          args: [{ deadLetterId: letter.id }],
        });
        expect(replay).toMatchObject({ adapter: letter.syncRecord.adapter, status: 'succeeded' });
      }
    }
    expect(
      crm.ledger
        .callWritesFor(key)
        .map((w) => w.vendor)
        .sort(),
    ).toEqual(['hubspot', 'webhook']);
    const replayed = platform.client.workflow.getHandle(crmReplayWorkflowId(letters[0]?.id as string));
    await recordHistory(replayed, 'post-crm', 'crm-replay');
    const after = await platform.prisma.crmDeadLetter.findMany({ where: { syncRecord: { callId } } });
    expect(after.every((l) => l.replayedAt !== null)).toBe(true);
    expect((await records(callId)).every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('does not write twice when the CRM accepted but its answer was lost', async () => {
    const { callId } = await seedAnalysedCall(platform.prisma, agentId);
    const key = `crm:${callId}:1`;
    crm.faults.dropAfterAccept.set(key, 2);
    const result = await sync(callId);
    expect(result.results.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(crm.faults.dropAfterAccept.get(key)).toBe(0);
    expect(
      crm.ledger
        .callWritesFor(key)
        .map((w) => w.vendor)
        .sort(),
    ).toEqual(['hubspot', 'webhook']);
    expect((await records(callId)).every((r) => r.attempts === 2)).toBe(true);
  });

  it('reconciliation re-queues records that never completed and leaves finished ones alone', async () => {
    const stuck = await Promise.all([1, 2].map(() => seedAnalysedCall(platform.prisma, agentId)));
    const done = await seedAnalysedCall(platform.prisma, agentId);
    await sync(done.callId);
    // As a sync that gave up (or a worker lost before its first attempt) leaves them.
    for (const { callId } of stuck) {
      await platform.prisma.crmSyncRecord.createMany({
        data: ['webhook', 'hubspot'].map((adapter) => ({
          idempotencyKey: `crm:${callId}:1`,
          callId,
          version: 1,
          adapter,
          status: adapter === 'webhook' ? ('failed' as const) : ('pending' as const),
        })),
      });
    }
    const run = async () => {
      const handle = await platform.client.workflow.start(crmReconciliationWorkflow, {
        taskQueue: platform.taskQueue,
        workflowId: `crm-reconcile:${Date.now()}`,
        args: [{ quietForMs: 0 }],
      });
      return { handle, result: await handle.result() };
    };
    const first = await run();
    await recordHistory(first.handle, 'post-crm', 'crm-reconciliation');
    expect(first.result).toEqual({ found: 2, requeued: 2, alreadyRunning: 0 });
    for (const { callId } of stuck) {
      const result = await platform.client.workflow
        .getHandle<typeof crmSyncWorkflow>(crmSyncWorkflowId(callId, 1))
        .result();
      expect(result.results.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      expect(crm.ledger.callWritesFor(`crm:${callId}:1`)).toHaveLength(2);
    }
    expect((await run()).result).toEqual({ found: 0, requeued: 0, alreadyRunning: 0 });
    expect(crm.ledger.callWritesFor(`crm:${done.callId}:1`)).toHaveLength(2);
  });
});
