import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CrmSim, startCrmSim } from '../../src/sim/crm/server.ts';
import { crmSyncWorkflowId } from '../../src/workflows/crm/contract.ts';
import { crmReconciliationWorkflow } from '../../src/workflows/crm/crm-reconciliation-workflow.ts';
import { crmSyncWorkflow } from '../../src/workflows/crm/crm-sync-workflow.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { seedAnalysedCall } from '../support/calls.ts';
import { simCrmSettings } from '../support/crm.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

describe('CRM down for longer than the retry window', () => {
  let platform: TestPlatform;
  let crm: CrmSim;

  beforeAll(async () => {
    crm = await startCrmSim();
    platform = await startTestPlatform({
      name: 'crm-give-up',
      activityDeps: {
        // The alert receiver is broken too (404): the sync must still finish.
        crm: simCrmSettings(crm, { giveUpAfterMs: 3000, alertUrl: `${crm.url}/no-such-hook` }),
      },
    });
  });
  afterAll(async () => {
    await platform?.close();
    await crm?.close();
  });
  // A failed test must not leave the CRM down for the next one.
  afterEach(() => {
    crm.faults.outageUntilMs = 0;
    crm.faults.latencyMs = 0;
  });

  it('marks the record failed when retries run out, and reconciliation delivers it once the CRM is back', async () => {
    const agentId = (await seedDefaultAgent(platform.prisma)).id;
    const { callId } = await seedAnalysedCall(platform.prisma, agentId);
    const key = `crm:${callId}:1`;
    crm.faults.outageUntilMs = Date.now() + 10 * 60_000;
    const result = await platform.client.workflow.execute(crmSyncWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: crmSyncWorkflowId(callId, 1),
      args: [{ callId, version: 1 }],
    });
    expect(result).toEqual({ results: [{ adapter: 'webhook', status: 'failed' }] });
    const record = await platform.prisma.crmSyncRecord.findFirstOrThrow({ where: { callId } });
    expect(record.status).toBe('failed');
    expect(record.lastError).toMatch(/^gave up retrying/);
    expect(record.attempts).toBeGreaterThan(1);
    expect(crm.ledger.callWritesFor(key)).toHaveLength(0);

    crm.faults.outageUntilMs = 0;
    const reconciled = await platform.client.workflow.execute(crmReconciliationWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: `crm-reconcile:${callId}`,
      args: [{ quietForMs: 0 }],
    });
    expect(reconciled).toEqual({ found: 1, requeued: 1, alreadyRunning: 0 });
    const again = await platform.client.workflow
      .getHandle<typeof crmSyncWorkflow>(crmSyncWorkflowId(callId, 1))
      .result();
    expect(again).toEqual({ results: [{ adapter: 'webhook', status: 'succeeded' }] });
    expect(crm.ledger.callWritesFor(key)).toHaveLength(1);
  });

  it('finishes a dead-lettered sync even when the alert webhook rejects the alert', async () => {
    const agentId = (await platform.prisma.agent.findFirstOrThrow()).id;
    const { callId } = await seedAnalysedCall(platform.prisma, agentId);
    crm.faults.rejectKeys.set(`crm:${callId}:1`, 400);
    const result = await platform.client.workflow.execute(crmSyncWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: crmSyncWorkflowId(callId, 1),
      args: [{ callId, version: 1 }],
    });
    expect(result.results[0]).toMatchObject({ adapter: 'webhook', status: 'dead_lettered' });
    expect(await platform.prisma.crmDeadLetter.count({ where: { syncRecord: { callId } } })).toBe(1);
    expect(crm.ledger.alerts).toHaveLength(0);
  });

  it('keeps the give-up reason when an attempt still in flight fails after it', async () => {
    const agentId = (await platform.prisma.agent.findFirstOrThrow()).id;
    const { callId } = await seedAnalysedCall(platform.prisma, agentId);
    crm.faults.outageUntilMs = Date.now() + 10 * 60_000;
    // Each 503 takes 2 s: the attempt started after the first one is still waiting when the 3-s
    // window closes, and fails only after the workflow has marked the record failed.
    crm.faults.latencyMs = 2000;
    const result = await platform.client.workflow.execute(crmSyncWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: crmSyncWorkflowId(callId, 1),
      args: [{ callId, version: 1 }],
    });
    expect(result).toEqual({ results: [{ adapter: 'webhook', status: 'failed' }] });
    const requestsAtGiveUp = crm.faults.injected.outage;
    await vi.waitFor(() => expect(crm.faults.injected.outage).toBeGreaterThan(requestsAtGiveUp), {
      timeout: 5000,
    });
    // The late attempt has had its answer; give its write time to land (it would, without the guard).
    await new Promise((r) => setTimeout(r, 300));
    const record = await platform.prisma.crmSyncRecord.findFirstOrThrow({ where: { callId } });
    expect(record.status).toBe('failed');
    expect(record.lastError).toMatch(/^gave up retrying/);
  });
});
