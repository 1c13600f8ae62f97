import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createWebhookCrm } from '../../src/providers/crm/webhook.ts';
import { createOpenAiCallAnalyzer } from '../../src/providers/openai/call-analysis.ts';
import { createWebhookAlerter } from '../../src/providers/slack/webhook-alert.ts';
import { type CrmSim, startCrmSim } from '../../src/sim/crm/server.ts';
import { type OpenAiSim, startOpenAiSim } from '../../src/sim/openai/server.ts';
import { callWorkflow } from '../../src/workflows/call/call-workflow.ts';
import * as callContract from '../../src/workflows/call/contract.ts';
import type { crmSyncWorkflow } from '../../src/workflows/crm/crm-sync-workflow.ts';
import { postCallRerunWorkflowId, postCallWorkflowId } from '../../src/workflows/post-call/contract.ts';
import { postCallWorkflow } from '../../src/workflows/post-call/post-call-workflow.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { seedEndedCall } from '../support/calls.ts';
import { recordHistory } from '../support/histories.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const logger = createLogger('silent');
const fields = [
  { name: 'insurer', type: 'string' as const, description: 'Insurance company the caller named' },
  { name: 'newPatient', type: 'boolean' as const, description: 'Whether the caller is a new patient' },
];
const validAnswer = {
  summary: 'The caller booked a cleaning for Tuesday at 10.',
  sentiment: 'positive',
  outcome: 'booked',
  actionItems: ['Send the new-patient form'],
  fields: { insurer: 'Acme Dental', newPatient: true },
};
/** The activity's own message under WorkflowFailedError → ActivityFailure → ApplicationFailure. */
const rootMessage = (error: unknown) =>
  ((error as WorkflowFailedError).cause?.cause as Error | undefined)?.message;

const conversation: ['user' | 'assistant', string][] = [
  ['assistant', 'Hello, how can I help?'],
  ['user', 'I would like a cleaning on Tuesday. I am with Acme Dental.'],
  ['assistant', 'You are booked for Tuesday at 10.'],
];

describe('post-call workflow', () => {
  let platform: TestPlatform;
  let llm: OpenAiSim;
  let crm: CrmSim;
  let agentId: string;
  const leftRunning: string[] = [];

  beforeAll(async () => {
    llm = await startOpenAiSim({ script: [] });
    crm = await startCrmSim();
    platform = await startTestPlatform({
      name: 'post-call',
      activityDeps: {
        callAnalyzer: createOpenAiCallAnalyzer({
          apiKey: llm.apiKey,
          baseUrl: llm.url,
          model: 'gpt-4o-mini',
          logger,
        }),
        analysis: { fields, maxAnswerAttempts: 3 },
        crm: {
          adapters: [createWebhookCrm({ url: crm.webhookUrl, secret: crm.webhookSecret, logger })],
          alerter: createWebhookAlerter({ url: crm.alertUrl, logger }),
          retry: { initialIntervalMs: 100, maximumIntervalMs: 1000, giveUpAfterMs: 60_000 },
        },
      },
    });
    agentId = (await seedDefaultAgent(platform.prisma)).id;
  });
  afterAll(async () => {
    // Reminder workflows are another part's code, not registered on this worker: end them here.
    for (const id of leftRunning)
      await platform?.client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => {});
    await platform?.close();
    await llm?.close();
    await crm?.close();
  });

  const runPostCall = (callId: string, workflowId = postCallWorkflowId(callId), version?: number) =>
    platform.client.workflow.execute(postCallWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId,
      args: [{ callId, ...(version ? { version } : {}) }],
    });
  const crmResult = (callId: string, version: number) =>
    platform.client.workflow.getHandle<typeof crmSyncWorkflow>(`crm:${callId}:${version}`).result();

  it('stores a valid analysis, files the call under its outcome, syncs the CRM and starts the reminder', async () => {
    const { callId, customerId } = await seedEndedCall(platform.prisma, { agentId, turns: conversation });
    const appointment = await platform.prisma.appointment.create({
      data: {
        customerId,
        agentId,
        startsAt: new Date(Date.now() + 3 * 86_400_000),
        endsAt: new Date(Date.now() + 3 * 86_400_000 + 1_800_000),
        timeZone: 'America/New_York',
        createdByCallId: callId,
      },
    });
    llm.enqueue({ json: validAnswer });

    const result = await runPostCall(callId);
    leftRunning.push(`reminder:${appointment.id}`);
    expect(result).toEqual({
      callId,
      version: 1,
      status: 'ok',
      outcome: 'booked',
      crmSyncWorkflowId: `crm:${callId}:1`,
      reminderWorkflowIds: [`reminder:${appointment.id}`],
    });
    const summary = await platform.prisma.callSummary.findUniqueOrThrow({
      where: { callId_version: { callId, version: 1 } },
    });
    expect(summary).toMatchObject({
      status: 'ok',
      summary: validAnswer.summary,
      sentiment: 'positive',
      outcome: 'booked',
      actionItems: validAnswer.actionItems,
      structuredFields: validAnswer.fields,
      failureReason: null,
    });
    expect((await platform.prisma.call.findUniqueOrThrow({ where: { id: callId } })).outcome).toBe('booked');
    const described = await platform.client.workflow.getHandle(postCallWorkflowId(callId)).describe();
    expect(described.searchAttributes.CallOutcome).toEqual(['booked']);
    const reminder = await platform.client.workflow.getHandle(`reminder:${appointment.id}`).describe();
    expect(reminder.type).toBe('appointmentReminderWorkflow');

    expect(await crmResult(callId, 1)).toEqual({ results: [{ adapter: 'webhook', status: 'succeeded' }] });
    await recordHistory(
      platform.client.workflow.getHandle(postCallWorkflowId(callId)),
      'post-crm',
      'post-call-ok',
    );
    await recordHistory(platform.client.workflow.getHandle(`crm:${callId}:1`), 'post-crm', 'crm-sync-ok');
    const [write] = crm.ledger.callWritesFor(`crm:${callId}:1`);
    expect(write?.body).toMatchObject({
      type: 'call.analyzed',
      data: { analysis: { version: 1, status: 'ok', outcome: 'booked', fields: validAnswer.fields } },
    });
  });

  it('asks again after invalid answers, then stores a failed analysis with the reason and still syncs it', async () => {
    const { callId } = await seedEndedCall(platform.prisma, {
      agentId,
      turns: conversation,
      outcome: 'info-only',
    });
    const before = llm.requests.length;
    llm.enqueue(
      { text: 'Sure! Here is the summary you asked for.' },
      { json: { ...validAnswer, outcome: 'sold_a_car' } },
      { json: { ...validAnswer, fields: { insurer: 'Acme' } } },
    );
    const result = await runPostCall(callId);
    expect(result).toMatchObject({ version: 1, status: 'failed', outcome: 'info_only' });
    expect(llm.requests.length - before).toBe(3);
    expect(JSON.stringify(llm.requests[before + 1]?.body.messages)).toContain('answer is not JSON');
    const summary = await platform.prisma.callSummary.findUniqueOrThrow({
      where: { callId_version: { callId, version: 1 } },
    });
    expect(summary.status).toBe('failed');
    expect(summary.summary).toBeNull();
    await recordHistory(
      platform.client.workflow.getHandle(postCallWorkflowId(callId)),
      'post-crm',
      'post-call-failed',
    );
    expect(summary.failureReason).toMatch(
      /^no valid answer after 3 attempts; last: answer does not match the schema: fields/,
    );
    const described = await platform.client.workflow.getHandle(postCallWorkflowId(callId)).describe();
    expect(described.searchAttributes.CallOutcome).toEqual(['info_only']);
    expect(await crmResult(callId, 1)).toEqual({ results: [{ adapter: 'webhook', status: 'succeeded' }] });
    expect(crm.ledger.callWritesFor(`crm:${callId}:1`)[0]?.body).toMatchObject({
      data: { analysis: { status: 'failed', summary: null } },
    });
  });

  it('accepts a corrected answer on the second ask', async () => {
    const { callId } = await seedEndedCall(platform.prisma, { agentId, turns: conversation });
    llm.enqueue({ text: '{"summary": "cut off' }, { json: validAnswer });
    expect(await runPostCall(callId)).toMatchObject({ status: 'ok', outcome: 'booked' });
  });

  it('re-runs a past call as a new version with its own CRM key', async () => {
    const { callId } = await seedEndedCall(platform.prisma, { agentId, turns: conversation });
    llm.enqueue({ json: validAnswer }, { json: { ...validAnswer, outcome: 'callback_requested' } });
    await runPostCall(callId);
    const rerun = await runPostCall(callId, postCallRerunWorkflowId(callId, 2), 2);
    expect(rerun).toMatchObject({ version: 2, status: 'ok', outcome: 'callback_requested' });
    const versions = await platform.prisma.callSummary.findMany({
      where: { callId },
      orderBy: { version: 'asc' },
    });
    expect(versions.map((v) => [v.version, v.outcome])).toEqual([
      [1, 'booked'],
      [2, 'callback_requested'],
    ]);
    expect(await crmResult(callId, 2)).toEqual({ results: [{ adapter: 'webhook', status: 'succeeded' }] });
    expect(crm.ledger.callWritesFor(`crm:${callId}:1`)).toHaveLength(1);
    expect(crm.ledger.callWritesFor(`crm:${callId}:2`)).toHaveLength(1);
  });

  it('refuses a re-run that names a taken version, or a call that does not exist, and writes nothing', async () => {
    const { callId } = await seedEndedCall(platform.prisma, { agentId, turns: conversation });
    llm.enqueue({ json: validAnswer });
    await runPostCall(callId);
    const before = llm.requests.length;
    const taken = await runPostCall(callId, postCallRerunWorkflowId(callId, 1), 1).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(WorkflowFailedError);
    expect(rootMessage(taken)).toBe(`call ${callId} already has analysis version 1; the next free one is 2`);
    const missing = await runPostCall('not-a-call').catch((e: unknown) => e);
    expect(rootMessage(missing)).toBe('call not-a-call does not exist');
    expect(llm.requests.length).toBe(before);
    expect(await platform.prisma.callSummary.count({ where: { callId } })).toBe(1);
  });

  it('is started by the call workflow when the call closes, without holding the call workflow open', async () => {
    const handle = await platform.client.workflow.start(callWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: callContract.callWorkflowId('CApostcall0001'),
      args: [{ callSid: 'CApostcall0001', direction: 'inbound', from: '+14155552671', to: '+14155550100' }],
    });
    await handle.signal(callContract.mediaStartedSignal, { streamSid: 'MZpc', node: 'test' });
    await handle.signal(callContract.mediaStoppedSignal, { reason: 'stop frame' });
    const state = await handle.result();
    const callId = state.callId as string;
    // Nothing was said on this call: no model is asked, the call's own outcome is kept.
    const before = llm.requests.length;
    const post = await platform.client.workflow
      .getHandle<typeof postCallWorkflow>(postCallWorkflowId(callId))
      .result();
    expect(post).toMatchObject({ version: 1, status: 'ok', outcome: 'info_only' });
    expect(llm.requests.length).toBe(before);
    const parent = await platform.client.workflow.getHandle(postCallWorkflowId(callId)).describe();
    expect(parent.raw.workflowExecutionInfo?.parentExecution?.workflowId).toBe('call:CApostcall0001');
  });
});
