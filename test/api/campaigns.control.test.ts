import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/routes/keys.ts';
import { campaignWorkflowId } from '../../src/workflows/campaign/contract.ts';
import type { CampaignPlatform } from '../support/campaign-platform.ts';
import { contacts, phoneFor, waitFor } from '../support/campaigns.ts';
import { readDialLog } from '../support/dial-double.ts';
import { type CampaignApi, startCampaignApi } from './campaign-api.ts';
import type { ApiHarness } from './support.ts';

/** Start, pause, settings, resume, cancel and progress through the API, on the real campaign workflow. */
describe('campaign API: control', () => {
  let c: CampaignApi;
  let platform: CampaignPlatform;
  let api: ApiHarness;
  beforeAll(async () => {
    c = await startCampaignApi('control');
    ({ platform, api } = c);
  }, 120_000);
  afterAll(() => c?.close());
  const settings = (extra?: Record<string, unknown>) => c.settings(extra);
  const create = (list: unknown[], extra?: Record<string, unknown>) => c.create(list, extra);
  const progress = (id: string) => c.progress(id);

  it('starts (idempotently), pauses, re-paces, resumes and cancels a running campaign', async () => {
    const { campaignId } = await create(contacts(30, { simHoldMs: '400' }), { concurrencyLimit: 1 });
    const draft = await progress(campaignId);
    expect(draft).toMatchObject({ source: 'database', status: 'draft', contactsByStatus: { pending: 30 } });

    const start = () =>
      api.as('admin', {
        method: 'POST',
        url: `/api/v1/campaigns/${campaignId}/start`,
        headers: { 'idempotency-key': `start-${campaignId}` },
      });
    const first = await start();
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toEqual({
      campaignId,
      workflowId: campaignWorkflowId(campaignId),
      state: 'started',
    });
    const replay = await start();
    expect(replay.statusCode).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    const description = await platform.client.workflow.getHandle(campaignWorkflowId(campaignId)).describe();
    expect(description.status.name).toBe('RUNNING');
    await waitFor(
      async () => (await readDialLog(platform.prisma)).some((d) => d.phone === phoneFor(1)),
      60_000,
      'dials',
    );

    const pause = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/campaigns/${campaignId}/pause`,
    });
    expect(pause.statusCode, pause.body).toBe(202);
    await waitFor(
      async () => {
        const p = await progress(campaignId);
        return p.source === 'workflow' && p.status === 'paused' && p.inFlight === 0 && p.unwritten === 0;
      },
      60_000,
      'paused and drained',
    );

    const tooMany = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/campaigns/${campaignId}/settings`,
      payload: { concurrencyLimit: 0 },
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.field).toBe('body.concurrencyLimit');
    const noHours = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/campaigns/${campaignId}/settings`,
      payload: { callingHours: {} },
    });
    expect(noHours.statusCode).toBe(400);
    expect(noHours.json().error.field).toBe('body.callingHours');
    const changed = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/campaigns/${campaignId}/settings`,
      payload: { concurrencyLimit: 3, pacingPerMinute: 1200 },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().settings).toMatchObject({ concurrencyLimit: 3, pacingPerMinute: 1200 });
    expect(await progress(campaignId)).toMatchObject({ concurrencyLimit: 3, pacingPerMinute: 1200 });

    const resume = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/campaigns/${campaignId}/resume`,
    });
    expect(resume.statusCode).toBe(202);
    await waitFor(async () => (await progress(campaignId)).status === 'running', 30_000, 'running again');

    const cancel = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/campaigns/${campaignId}/cancel`,
    });
    expect(cancel.statusCode).toBe(202);
    await platform.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
    const final = await progress(campaignId);
    expect(final.status).toBe('cancelled');
    expect(final.contactsByStatus.cancelled).toBeGreaterThan(0);
    const attempted = await api.as('viewer', {
      method: 'GET',
      url: `/api/v1/campaigns/${campaignId}/contacts?status=completed&limit=1`,
    });
    expect(attempted.json().items[0].dialAttempts[0]).toMatchObject({ attempt: 1, disposition: 'answered' });

    const actions = await api.prisma.auditLogEntry.findMany({
      where: { target: `campaign:${campaignId}` },
      orderBy: { createdAt: 'asc' },
    });
    expect(actions.map((a) => a.action)).toEqual([
      'campaign.create',
      'campaign.start',
      'campaign.pause',
      'campaign.settings',
      'campaign.resume',
      'campaign.cancel',
    ]);
    // A finished campaign cannot run again, nor be paused.
    const again = await api.as('admin', { method: 'POST', url: `/api/v1/campaigns/${campaignId}/start` });
    expect(again.statusCode).toBe(409);
  }, 180_000);

  it('cancels a draft in the database; signals to a campaign never started are refused (409)', async () => {
    const { campaignId } = await create(contacts(2));
    const pause = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/campaigns/${campaignId}/pause`,
    });
    expect(pause.statusCode).toBe(409);
    const cancel = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/campaigns/${campaignId}/cancel`,
    });
    expect(cancel.statusCode, cancel.body).toBe(202);
    expect(cancel.json().state).toBe('cancelled');
    const row = await api.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(row.status).toBe('cancelled');
    const start = await api.as('admin', { method: 'POST', url: `/api/v1/campaigns/${campaignId}/start` });
    expect(start.statusCode).toBe(409);
  });

  it('lets a viewer read but not mutate, and holds campaign starts to their own per-key budget', async () => {
    const { campaignId } = await create(contacts(1));
    for (const action of ['start', 'pause', 'resume', 'cancel']) {
      const res = await api.as('viewer', {
        method: 'POST',
        url: `/api/v1/campaigns/${campaignId}/${action}`,
      });
      expect(res.statusCode, action).toBe(403);
    }
    const viewerCreate = await api.as('viewer', {
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { ...settings(), contacts: contacts(1) },
    });
    expect(viewerCreate.statusCode).toBe(403);
    expect(
      (await api.as('viewer', { method: 'GET', url: `/api/v1/campaigns/${campaignId}` })).statusCode,
    ).toBe(200);

    // The campaign manager key has not started anything yet: exactly 4 starts a minute.
    const unknown = '00000000-0000-7000-8000-000000000001';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await api.as('campaign_manager', {
        method: 'POST',
        url: `/api/v1/campaigns/${unknown}/start`,
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([404, 404, 404, 404, 429, 429]);
    // Another key's budget is its own.
    const { key } = await createApiKey(api.prisma, { name: 'second manager', role: 'campaign_manager' });
    const other = await api.as(key, { method: 'POST', url: `/api/v1/campaigns/${unknown}/start` });
    expect(other.statusCode).toBe(404);
  });
});
