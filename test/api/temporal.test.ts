import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callWorkflow } from '../../src/workflows/call/call-workflow.ts';
import * as call from '../../src/workflows/call/contract.ts';
import { crmReplayWorkflowId, crmReplayWorkflowType } from '../../src/workflows/crm/contract.ts';
import { reminderWorkflowId, reminderWorkflowType } from '../../src/workflows/reminder/contract.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { type ApiHarness, startApi } from './support.ts';

/** Events of a workflow as Temporal records them (the API's history route returns the same). */
async function eventTypes(client: Client, workflowId: string): Promise<(string | undefined)[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => proto.temporal.api.enums.v1.EventType[e.eventType ?? 0]);
}

describe('admin API: workflow history, visibility, dead-letter replay and reminder signals', () => {
  let platform: TestPlatform;
  let api: ApiHarness;
  const started: string[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'api-workflows' });
    await seedDefaultAgent(platform.prisma);
    api = await startApi({
      temporal: platform.client,
      settings: { taskQueue: `${platform.taskQueue}-no-worker`, temporalUiUrl: 'http://127.0.0.1:8233' },
      database: { prisma: platform.prisma, db: { url: platform.databaseUrl, drop: async () => {} } },
    });
  });
  afterAll(async () => {
    for (const id of started) {
      await platform.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => {});
    }
    await api?.app.close();
    await platform?.close();
  });

  it('returns a finished call workflow with its description and paged event history', async () => {
    const callSid = `CAapi${Date.now().toString(36)}`;
    const handle = await platform.client.workflow.start(callWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: call.callWorkflowId(callSid),
      args: [{ callSid, direction: 'inbound', from: '+14155552671', to: '+14155550100' }],
    });
    await handle.signal(call.mediaStartedSignal, { streamSid: 'MZ1', node: 'test' });
    await handle.signal(call.mediaStoppedSignal, { reason: 'stop frame' });
    await handle.result();

    const first = await api.as('viewer', {
      method: 'GET',
      url: `/api/v1/workflows/calls/${callSid}?pageSize=2`,
    });
    expect(first.statusCode, first.body).toBe(200);
    const body = first.json();
    expect(body).toMatchObject({
      workflowId: `call:${callSid}`,
      type: 'callWorkflow',
      status: 'COMPLETED',
      searchAttributes: { CallSid: callSid, CallDirection: 'inbound' },
    });
    expect(body.events[0]).toMatchObject({
      eventId: '1',
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
    });
    expect(body.nextPageToken).toEqual(expect.any(String));

    // The server pages by whole event batches (pageSize is a hint), so compare the concatenation.
    const all: { eventType: string }[] = [...body.events];
    let token: string | null = body.nextPageToken;
    let pages = 1;
    while (token) {
      const page = (
        await api.as('viewer', {
          method: 'GET',
          url: `/api/v1/workflows/calls/${callSid}?pageSize=2&pageToken=${token}`,
        })
      ).json();
      all.push(...page.events);
      token = page.nextPageToken;
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    const expected = await eventTypes(platform.client, call.callWorkflowId(callSid));
    expect(all.map((e) => e.eventType)).toEqual(expected);
    expect(all.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');

    const row = await platform.prisma.call.findUniqueOrThrow({ where: { callSid } });
    const detail = (await api.as('viewer', { method: 'GET', url: `/api/v1/calls/${row.id}` })).json();
    expect(detail.temporalUiUrl).toBe(
      `http://127.0.0.1:8233/namespaces/${platform.client.options.namespace}/workflows/${encodeURIComponent(`call:${callSid}`)}`,
    );

    // Visibility is eventually consistent: wait for the search attribute to be indexed.
    let listed: { workflowId: string; status: string }[] = [];
    for (let i = 0; i < 40 && listed.length === 0; i++) {
      listed = (await api.as('viewer', { method: 'GET', url: `/api/v1/workflows?callSid=${callSid}` })).json()
        .items;
      if (listed.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect(listed).toEqual([expect.objectContaining({ workflowId: `call:${callSid}`, status: 'Completed' })]);

    const missing = await api.as('viewer', {
      method: 'GET',
      url: '/api/v1/workflows/calls/CA0000000000nothere',
    });
    expect(missing.statusCode).toBe(404);
    const badToken = await api.as('viewer', {
      method: 'GET',
      url: `/api/v1/workflows/calls/${callSid}?pageToken=AAAA`,
    });
    expect(badToken.statusCode).toBe(400);
  });

  it('refuses visibility filters that are not plain values', async () => {
    for (const q of [
      "callOutcome=x' OR WorkflowType != '",
      'customerPhone=1 OR 1=1',
      'status=Running) OR (1=1',
    ]) {
      const res = await api.as('viewer', {
        method: 'GET',
        url: `/api/v1/workflows?${q.replace(/ /g, '%20')}`,
      });
      expect(res.statusCode, q).toBe(400);
    }
  });

  it('starts the CRM replay workflow once per dead letter, however often replay is requested', async () => {
    const record = await platform.prisma.crmSyncRecord.create({
      data: { idempotencyKey: `crm:test:${Date.now()}`, adapter: 'webhook', status: 'dead_lettered' },
    });
    const letter = await platform.prisma.crmDeadLetter.create({
      data: { syncRecordId: record.id, request: { body: 1 }, reason: '422 from CRM' },
    });
    const workflowId = crmReplayWorkflowId(letter.id);
    started.push(workflowId);
    const first = await api.as('admin', { method: 'POST', url: `/api/v1/dead-letters/${letter.id}/replay` });
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toMatchObject({ workflowId, state: 'started' });
    const second = await api.as('admin', { method: 'POST', url: `/api/v1/dead-letters/${letter.id}/replay` });
    expect(second.statusCode).toBe(202);
    const description = await platform.client.workflow.getHandle(workflowId).describe();
    expect(description.type).toBe(crmReplayWorkflowType);
    expect(second.json().runId).toBe(first.json().runId);
    const runs = await platform.client.workflowService.listWorkflowExecutions({
      namespace: platform.client.options.namespace,
      query: `WorkflowId = '${workflowId}'`,
    });
    expect((runs.executions ?? []).length).toBeLessThanOrEqual(1);
    const history = await platform.client.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    expect(JSON.parse(Buffer.from(input ?? []).toString('utf8'))).toEqual({ deadLetterId: letter.id });
    const audit = await platform.prisma.auditLogEntry.count({
      where: { action: 'dead_letter.replay', target: `dead_letter:${letter.id}` },
    });
    expect(audit).toBe(2);
  });

  it('signals appointmentChanged to the reminder workflow on reschedule, and ignores a missing one', async () => {
    const agent = await platform.prisma.agent.findFirstOrThrow({ where: { isDefault: true } });
    const customer = await platform.prisma.customer.create({ data: { phone: '+14155550180' } });
    const monday = nextWeekdayAt(1, 14); // 09:00 New York in winter is 14:00 UTC
    const appointment = await platform.prisma.appointment.create({
      data: {
        customerId: customer.id,
        agentId: agent.id,
        startsAt: monday,
        endsAt: new Date(monday.getTime() + 1_800_000),
        timeZone: 'America/New_York',
      },
    });
    // The reminder workflow is built elsewhere; start a stand-in execution by its type name so
    // the signal has somewhere to land (no worker runs it, signals are still recorded).
    const workflowId = reminderWorkflowId(appointment.id);
    started.push(workflowId);
    await platform.client.workflow.start(reminderWorkflowType, {
      workflowId,
      taskQueue: `${platform.taskQueue}-no-worker`,
      args: [{ appointmentId: appointment.id }],
    });
    const newStart = new Date(monday.getTime() + 3_600_000);
    const res = await api.as('admin', {
      method: 'POST',
      url: `/api/v1/appointments/${appointment.id}/reschedule`,
      payload: { startsAt: newStart.toISOString() },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'rescheduled', startsAt: newStart.toISOString() });
    const history = await platform.client.workflow.getHandle(workflowId).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(signals).toHaveLength(1);
    const attrs = signals[0]?.workflowExecutionSignaledEventAttributes;
    expect(attrs?.signalName).toBe('appointmentChanged');
    expect(JSON.parse(Buffer.from(attrs?.input?.payloads?.[0]?.data ?? []).toString('utf8'))).toEqual({
      change: 'rescheduled',
    });

    const other = await platform.prisma.appointment.create({
      data: {
        customerId: customer.id,
        agentId: agent.id,
        startsAt: new Date(monday.getTime() + 7 * 86_400_000),
        endsAt: new Date(monday.getTime() + 7 * 86_400_000 + 1_800_000),
        timeZone: 'America/New_York',
      },
    });
    const cancelled = await api.as('admin', {
      method: 'POST',
      url: `/api/v1/appointments/${other.id}/cancel`,
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
  });
});

/** The next given weekday (1 = Monday) at `hourUtc`, at least two days ahead. */
function nextWeekdayAt(weekday: number, hourUtc: number): Date {
  const d = new Date(Date.now() + 2 * 86_400_000);
  d.setUTCHours(hourUtc, 0, 0, 0);
  while (d.getUTCDay() !== weekday) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}
