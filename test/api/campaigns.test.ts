import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/routes/keys.ts';
import { campaignWorkflowId } from '../../src/workflows/campaign/contract.ts';
import { type CampaignPlatform, startCampaignPlatform } from '../support/campaign-platform.ts';
import { ALWAYS, contacts, phoneFor, waitFor } from '../support/campaigns.ts';
import { readDialLog } from '../support/dial-double.ts';
import { type ApiHarness, startApi } from './support.ts';

/**
 * Campaign routes over the real campaign workflow (dial test double) on the shared dev server:
 * creation (JSON and streamed CSV) with per-row reports, paging, live control and progress.
 */
describe('admin API: campaigns', () => {
  let platform: CampaignPlatform;
  let api: ApiHarness;

  beforeAll(async () => {
    platform = await startCampaignPlatform({ name: 'api-campaigns' });
    api = await startApi({
      temporal: platform.client,
      settings: {
        taskQueue: platform.taskQueue,
        strictLimits: { campaignStartsPerMinute: 4, outboundPerMinute: 4 },
        csvUploadLimitBytes: 2 * 1_048_576,
      },
      database: { prisma: platform.prisma, db: { url: platform.databaseUrl, drop: async () => {} } },
    });
  }, 120_000);
  afterAll(async () => {
    await api?.app.close();
    await platform?.close();
  });

  const settings = (extra: Record<string, unknown> = {}) => ({
    name: 'Spring checkups',
    agentId: platform.agentId,
    concurrencyLimit: 5,
    pacingPerMinute: 60_000,
    callingHours: ALWAYS,
    callerId: '+14155550100',
    ...extra,
  });
  const create = async (list: unknown[], extra: Record<string, unknown> = {}) => {
    const res = await api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { ...settings(extra), contacts: list },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { campaignId: string; contactCount: number; workflowId: string };
  };
  const progress = async (id: string) =>
    (await api.as('viewer', { method: 'GET', url: `/api/v1/campaigns/${id}/progress` })).json();

  it('creates a campaign from JSON, lists it, shows it, and audits the creation', async () => {
    const body = await create(contacts(3, { first_name: 'Dana' }));
    expect(body).toMatchObject({
      contactCount: 3,
      status: 'draft',
      workflowId: `campaign:${body.campaignId}`,
    });
    const rows = await api.prisma.campaignContact.findMany({ where: { campaignId: body.campaignId } });
    expect(rows.map((r) => r.phone).sort()).toEqual([phoneFor(0), phoneFor(1), phoneFor(2)]);

    const detail = await api.as('viewer', { method: 'GET', url: `/api/v1/campaigns/${body.campaignId}` });
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      status: 'draft',
      contactsByStatus: { pending: 3 },
      concurrencyLimit: 5,
    });
    const list = await api.as('viewer', { method: 'GET', url: '/api/v1/campaigns?status=draft&limit=200' });
    expect(list.json().items.map((c: { id: string }) => c.id)).toContain(body.campaignId);

    const audit = await api.prisma.auditLogEntry.findMany({
      where: { target: `campaign:${body.campaignId}` },
    });
    expect(audit.map((a) => [a.action, a.actorKeyId])).toEqual([
      ['campaign.create', api.keys.campaign_manager.id],
    ]);
  });

  it('rejects bad rows and bad settings with 422 listing each row and field, writing nothing', async () => {
    const before = await api.prisma.campaign.count();
    const list = [
      ...contacts(2),
      { phone: '12', timeZone: 'UTC' },
      { phone: phoneFor(9), timeZone: 'Mars/Base' },
    ];
    const res = await api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { ...settings({ concurrencyLimit: 0 }), contacts: list },
    });
    expect(res.statusCode, res.body).toBe(422);
    const error = res.json().error;
    expect(error).toMatchObject({ status: 422, code: 'campaign_invalid', issueCount: 3 });
    expect(error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'concurrencyLimit' }),
        expect.objectContaining({ row: 3, field: 'phone' }),
        expect.objectContaining({ row: 4, field: 'timeZone' }),
      ]),
    );
    expect(await api.prisma.campaign.count()).toBe(before);
    // A wrong shape (unknown member) is a 400 naming it, like every other route.
    const shape = await api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { ...settings(), contacts: contacts(1), dialEveryone: true },
    });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().error.field).toBe('body');
  });

  it('streams a CSV of thousands of rows: one bad row rejects the file, the fixed file creates them all', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `${phoneFor(10_000 + i)},America/New_York,Pat ${i}`);
    const query = new URLSearchParams({
      name: 'CSV upload',
      agentId: platform.agentId,
      concurrencyLimit: '10',
      pacingPerMinute: '600',
      callerId: '+14155550100',
      callingHours: JSON.stringify(ALWAYS),
    });
    const upload = (lines: string[]) =>
      api.as('campaign_manager', {
        method: 'POST',
        url: `/api/v1/campaigns/csv?${query}`,
        headers: { 'content-type': 'text/csv' },
        payload: ['phone,time_zone,first_name', ...lines].join('\n'),
      });
    const before = await api.prisma.campaignContact.count();
    const bad = [...rows];
    bad[1499] = '+1415,America/New_York,Broken';
    const refused = await upload(bad);
    expect(refused.statusCode, refused.body).toBe(422);
    // Header is row 1, so the 1500th contact is on row 1501.
    expect(refused.json().error.issues).toEqual([expect.objectContaining({ row: 1501, field: 'phone' })]);
    expect(await api.prisma.campaignContact.count()).toBe(before);

    const accepted = await upload(rows);
    expect(accepted.statusCode, accepted.body).toBe(201);
    const { campaignId, contactCount } = accepted.json();
    expect(contactCount).toBe(3000);
    const sample = await api.prisma.campaignContact.findFirstOrThrow({
      where: { campaignId, phone: phoneFor(10_042) },
    });
    expect(sample).toMatchObject({ timeZone: 'America/New_York', variables: { first_name: 'Pat 42' } });

    // Settings are validated like the JSON route: a non-numeric limit names the query field.
    query.set('concurrencyLimit', 'lots');
    const badQuery = await upload(rows.slice(0, 2));
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().error.field).toBe('query.concurrencyLimit');
  });

  it('refuses a CSV over the upload limit with 413 and writes nothing', async () => {
    const before = await api.prisma.campaign.count();
    const line = `${phoneFor(1)},UTC,${'x'.repeat(1000)}\n`;
    const query = new URLSearchParams({
      name: 'too big',
      agentId: platform.agentId,
      concurrencyLimit: '1',
      pacingPerMinute: '1',
      callerId: '+14155550100',
    });
    const res = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/campaigns/csv?${query}`,
      headers: { 'content-type': 'text/csv' },
      payload: `phone,time_zone,note\n${line.repeat(2200)}`,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('body_too_large');
    expect(await api.prisma.campaign.count()).toBe(before);
    // Only CSV streams: a JSON body sent to the upload route stops at the app's 1 MiB limit.
    const json = await api.as('campaign_manager', {
      method: 'POST',
      url: `/api/v1/campaigns/csv?${query}`,
      payload: { contacts: 'x'.repeat(1_100_000) },
    });
    expect(json.statusCode).toBe(413);
  });

  it('pages contacts with their attempts, filtered by status, with no gaps or duplicates', async () => {
    const { campaignId } = await create(contacts(7));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `/api/v1/campaigns/${campaignId}/contacts?status=pending&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await api.as('viewer', { method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      for (const c of page.items) {
        expect(c.dialAttempts).toEqual([]);
        seen.push(c.phone);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(contacts(7).map((c) => c.phone));
    const none = await api.as('viewer', {
      method: 'GET',
      url: `/api/v1/campaigns/${campaignId}/contacts?status=failed`,
    });
    expect(none.json().items).toEqual([]);
    const missing = await api.as('viewer', {
      method: 'GET',
      url: '/api/v1/campaigns/00000000-0000-7000-8000-000000000000/contacts',
    });
    expect(missing.statusCode).toBe(404);
  });

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
        return p.source === 'workflow' && p.status === 'paused' && p.inFlight === 0;
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
