import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCallRerunWorkflowId } from '../../src/workflows/post-call/contract.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { seedAnalysedCall } from '../support/calls.ts';
import { waitFor } from '../support/campaigns.ts';
import { CALLER_ID, type OutboundHarness, startOutboundHarness } from '../support/outbound.ts';
import { type ApiHarness, startApi } from './support.ts';

const BUSY = '+14155553001';
const ON_DNC = '+14155553002';

/**
 * One-off outbound calls and post-call re-runs through the API, on the real outbound workflow and
 * the simulated Twilio (which counts dials per number) and the real post-call workflow.
 */
describe('admin API: one-off outbound calls and analysis re-runs', () => {
  let h: OutboundHarness;
  let api: ApiHarness;
  let agentId: string;

  beforeAll(async () => {
    h = await startOutboundHarness({ name: 'api-call-actions', scenarios: { [BUSY]: { kind: 'busy' } } });
    agentId = (await seedDefaultAgent(h.platform.prisma)).id;
    api = await startApi({
      temporal: h.platform.client,
      settings: { taskQueue: h.platform.taskQueue },
      database: { prisma: h.platform.prisma, db: { url: h.platform.databaseUrl, drop: async () => {} } },
    });
  }, 120_000);
  afterAll(async () => {
    await api?.app.close();
    await h?.close();
  });

  const place = (to: string, key?: string, extra: Record<string, unknown> = {}) =>
    api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/calls/outbound',
      headers: key ? { 'idempotency-key': key } : {},
      payload: { to, from: CALLER_ID, agentId, ...extra },
    });
  const finalState = (workflowId: string) =>
    waitFor(
      async () => {
        const res = await api.as('viewer', { method: 'GET', url: `/api/v1/calls/outbound/${workflowId}` });
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json();
        return body.status === 'COMPLETED' ? body : undefined;
      },
      60_000,
      `outcome of ${workflowId}`,
    );

  it('dials once for a POST sent twice with the same Idempotency-Key, even when the stored answer is lost', async () => {
    const first = await place(BUSY, 'call-busy-1', { variables: { first_name: 'Ada' } });
    expect(first.statusCode, first.body).toBe(202);
    const { workflowId } = first.json();
    expect(workflowId).toBe(`outbound:${api.keys.campaign_manager.id}:call-busy-1`);
    const second = await place(BUSY, 'call-busy-1', { variables: { first_name: 'Ada' } });
    expect(second.statusCode).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());

    // As if the first response had never been stored: the workflow id still holds the claim.
    await api.prisma.idempotencyRecord.deleteMany({ where: { key: 'call-busy-1' } });
    const third = await place(BUSY, 'call-busy-1', { variables: { first_name: 'Ada' } });
    expect(third.statusCode).toBe(202);
    expect(third.json()).toEqual({ workflowId, state: 'already_started' });

    expect(await finalState(workflowId)).toMatchObject({ phase: 'done', disposition: 'busy' });
    expect(h.sim.dialCount(BUSY)).toBe(1);
    const audit = await api.prisma.auditLogEntry.findMany({ where: { target: `workflow:${workflowId}` } });
    expect(audit.map((a) => a.action)).toEqual(['call.outbound', 'call.outbound']);
  }, 120_000);

  it('refuses a missing key, bad numbers and a viewer, dialing nothing', async () => {
    const before = h.sim.totalDials();
    const noKey = await place(BUSY);
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().error.field).toBe('header.idempotency-key');
    const badTo = await place('0142000000', 'bad-to');
    expect(badTo.statusCode).toBe(400);
    expect(badTo.json().error.field).toBe('body.to');
    const badFrom = await place(BUSY, 'bad-from', { from: '555' });
    expect(badFrom.json().error.field).toBe('body.from');
    const badAgent = await place(BUSY, 'bad-agent', { agentId: '00000000-0000-7000-8000-000000000000' });
    expect(badAgent.statusCode).toBe(400);
    expect(badAgent.json().error.field).toBe('body.agentId');
    const viewer = await api.as('viewer', {
      method: 'POST',
      url: '/api/v1/calls/outbound',
      headers: { 'idempotency-key': 'viewer-call' },
      payload: { to: BUSY, from: CALLER_ID },
    });
    expect(viewer.statusCode).toBe(403);
    expect(h.sim.totalDials()).toBe(before);
  });

  it('accepts a call to a do-not-call number but the dialer refuses it: the disposition says so', async () => {
    await api.prisma.doNotCallEntry.create({ data: { phone: ON_DNC, source: 'api' } });
    const res = await place(ON_DNC, 'call-dnc-1');
    expect(res.statusCode, res.body).toBe(202);
    expect(await finalState(res.json().workflowId)).toMatchObject({ disposition: 'do_not_call' });
    expect(h.sim.dialCount(ON_DNC)).toBe(0);
  }, 120_000);

  it('re-runs the analysis of a call as version 2 (admins only)', async () => {
    const { callId } = await seedAnalysedCall(api.prisma, agentId);
    const asManager = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/calls/${callId}/analysis`,
    });
    expect(asManager.statusCode).toBe(403);
    const res = await api.as('admin', { method: 'POST', url: `/api/v1/calls/${callId}/analysis` });
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ callId, version: 2, workflowId: postCallRerunWorkflowId(callId, 2) });
    const result = await h.platform.client.workflow.getHandle(body.workflowId).result();
    expect(result).toMatchObject({ callId, version: 2 });
    const versions = await api.prisma.callSummary.findMany({
      where: { callId },
      orderBy: { version: 'asc' },
    });
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    const audit = await api.prisma.auditLogEntry.findMany({ where: { target: `call:${callId}:v2` } });
    expect(audit.map((a) => a.action)).toEqual(['call.analysis_rerun']);

    const unknown = await api.as('admin', {
      method: 'POST',
      url: '/api/v1/calls/00000000-0000-7000-8000-000000000000/analysis',
    });
    expect(unknown.statusCode).toBe(404);
  }, 120_000);
});
