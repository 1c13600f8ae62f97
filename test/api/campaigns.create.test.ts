import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignPlatform } from '../support/campaign-platform.ts';
import { ALWAYS, contacts, phoneFor } from '../support/campaigns.ts';
import { type CampaignApi, startCampaignApi } from './campaign-api.ts';
import type { ApiHarness } from './support.ts';

/** Campaign creation through the API (JSON and streamed CSV) with per-row reports, and contact pages. */
describe('campaign API: creation', () => {
  let c: CampaignApi;
  let platform: CampaignPlatform;
  let api: ApiHarness;
  beforeAll(async () => {
    c = await startCampaignApi('creation');
    ({ platform, api } = c);
  }, 120_000);
  afterAll(() => c?.close());
  const settings = (extra?: Record<string, unknown>) => c.settings(extra);
  const create = (list: unknown[], extra?: Record<string, unknown>) => c.create(list, extra);

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
});
