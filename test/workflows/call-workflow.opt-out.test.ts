import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callWorkflow } from '../../src/workflows/call/call-workflow.ts';
import * as contract from '../../src/workflows/call/contract.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const CALLER = '+14155556001';

describe('call workflow: opt-out tool', () => {
  let platform: TestPlatform;
  let agentId: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'call-opt-out' });
    agentId = (await seedDefaultAgent(platform.prisma)).id;
  });
  afterAll(() => platform?.close());

  it('records the opt-out once, takes the number out of every campaign still to dial it, and asks to end', async () => {
    const campaign = await platform.prisma.campaign.create({
      data: { name: 'spring recall', agentId, callerId: '+14155550100' },
    });
    const pending = await platform.prisma.campaignContact.create({
      data: { campaignId: campaign.id, phone: CALLER, timeZone: 'America/New_York' },
    });
    const handle = await platform.client.workflow.start(callWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: contract.callWorkflowId('CAoptout0001'),
      args: [{ callSid: 'CAoptout0001', direction: 'inbound', from: CALLER, to: '+14155550100' }],
    });
    await handle.signal(contract.mediaStartedSignal, { streamSid: 'MZo1', node: 'test' });

    const bad = await handle
      .executeUpdate(contract.optOutUpdate, { args: [{ reason: 42 } as never], updateId: 'tool_bad' })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await platform.prisma.doNotCallEntry.count()).toBe(0);

    const first = await handle.executeUpdate(contract.optOutUpdate, { args: [{}], updateId: 'tool_optout' });
    const again = await handle.executeUpdate(contract.optOutUpdate, { args: [{}], updateId: 'tool_optout' });
    expect(first).toEqual({ ok: true, value: { optedOut: true } });
    expect(again).toEqual(first);
    const entries = await platform.prisma.doNotCallEntry.findMany();
    expect(entries).toMatchObject([{ phone: CALLER, source: 'caller_request' }]);
    expect(
      await platform.prisma.campaignContact.findUniqueOrThrow({ where: { id: pending.id } }),
    ).toMatchObject({
      status: 'skipped',
      disposition: 'do_not_call',
    });

    await handle.signal(contract.mediaStoppedSignal, { reason: 'agent said goodbye' });
    expect(await handle.result()).toMatchObject({ phase: 'ended', outcome: 'opted_out' });
    const history = await handle.fetchHistory();
    const recorded = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordOptOut',
    );
    expect(recorded).toHaveLength(1);
  });
});
