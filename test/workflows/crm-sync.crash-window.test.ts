import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crm } from '../../src/providers/ports.ts';
import { type CrmSim, startCrmSim } from '../../src/sim/crm/server.ts';
import { crmSyncWorkflowId } from '../../src/workflows/crm/contract.ts';
import { crmSyncWorkflow } from '../../src/workflows/crm/crm-sync-workflow.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { seedAnalysedCall } from '../support/calls.ts';
import { simCrmSettings } from '../support/crm.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const ATTEMPT_TIMEOUT_MS = 2000;
const STALL_MS = 6000;

/**
 * The crash window: the real adapter writes to the CRM, then the attempt goes silent as if its
 * worker died before reporting (it only fails, unheard, long after Temporal timed it out). Only
 * the first attempt per key does this; Temporal's retry runs the adapter normally.
 */
function dyingAfterAccept(real: Crm): Crm & { stalled: string[] } {
  const stalled: string[] = [];
  return {
    name: real.name,
    stalled,
    async push(record) {
      const result = await real.push(record);
      if (stalled.includes(`${real.name}:${record.idempotencyKey}`)) return result;
      stalled.push(`${real.name}:${record.idempotencyKey}`);
      await new Promise((r) => setTimeout(r, STALL_MS));
      throw new Error('this attempt was abandoned long ago');
    },
  };
}

describe('CRM sync: an attempt that dies after the CRM accepted', () => {
  let platform: TestPlatform;
  let crm: CrmSim;
  let wrapped: (Crm & { stalled: string[] })[];

  beforeAll(async () => {
    crm = await startCrmSim();
    const settings = simCrmSettings(crm, {
      adapters: ['webhook', 'hubspot'],
      attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
    });
    wrapped = settings.adapters.map(dyingAfterAccept);
    platform = await startTestPlatform({
      name: 'crm-crash-window',
      activityDeps: { crm: { ...settings, adapters: wrapped } },
    });
  });
  afterAll(async () => {
    // Let the abandoned attempts finish so the worker shuts down cleanly.
    await new Promise((r) => setTimeout(r, STALL_MS));
    await platform?.close();
    await crm?.close();
  });

  it('retries under the same key and the CRM ends up with one write each', async () => {
    const agentId = (await seedDefaultAgent(platform.prisma)).id;
    const { callId } = await seedAnalysedCall(platform.prisma, agentId);
    const key = `crm:${callId}:1`;
    const result = await platform.client.workflow.execute(crmSyncWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: crmSyncWorkflowId(callId, 1),
      args: [{ callId, version: 1 }],
    });
    expect(result.results.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(wrapped.flatMap((c) => c.stalled).sort()).toEqual([`hubspot:${key}`, `webhook:${key}`]);
    // Each CRM was written to by two attempts, but holds exactly one call record for the key.
    const webhookPosts = crm.ledger.requestsFor(key).filter((r) => r.path === '/webhook');
    expect(webhookPosts.map((r) => r.status)).toEqual([200, 200]);
    expect(
      crm.ledger
        .callWritesFor(key)
        .map((w) => w.vendor)
        .sort(),
    ).toEqual(['hubspot', 'webhook']);
    expect(crm.hubspot.state.notes.size).toBe(1);
    const records = await platform.prisma.crmSyncRecord.findMany({ where: { callId } });
    expect(records.map((r) => [r.status, r.attempts])).toEqual([
      ['succeeded', 2],
      ['succeeded', 2],
    ]);
  });
});
