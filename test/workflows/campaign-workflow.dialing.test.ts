import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignProgress, startCampaign } from '../../src/campaigns/campaign-control.ts';
import { campaignWorkflowId } from '../../src/workflows/campaign/contract.ts';
import { type CampaignPlatform, startCampaignPlatform } from '../support/campaign-platform.ts';
import { contacts, countBy, createTestCampaign, maxOverlap, waitFor } from '../support/campaigns.ts';
import { readDialLog } from '../support/dial-double.ts';

/** The real campaign workflow and activities against the dial double, real Postgres and Temporal. */
describe('campaign workflow: dialing', () => {
  let platform: CampaignPlatform;

  beforeAll(async () => {
    platform = await startCampaignPlatform({ name: 'campaign-dialing' });
  });
  afterAll(() => platform?.close());

  it('dials every contact exactly once, never above the concurrency limit, across continue-as-new', async () => {
    const campaignId = await createTestCampaign(platform, contacts(30, { simHoldMs: '400' }), {
      concurrencyLimit: 3,
    });
    await startCampaign(platform, campaignId, { pageSize: 7, dialsPerRun: 10 });
    const handle = platform.client.workflow.getHandle(campaignWorkflowId(campaignId));
    const seenInFlight: number[] = [];
    const sampling = (async () => {
      for (let i = 0; i < 200; i++) {
        const p = await campaignProgress(platform, campaignId).catch(() => undefined);
        if (!p || p.status === 'completed') return;
        seenInFlight.push(p.inFlight);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const result = await handle.result();
    await sampling;

    expect(result).toMatchObject({
      status: 'completed',
      contactsByStatus: { completed: 30 },
      dispositions: { answered: 30 },
      dialsStarted: 30,
    });
    expect(result.runs).toBeGreaterThanOrEqual(3);
    const dials = await readDialLog(platform.prisma);
    expect(dials).toHaveLength(30);
    expect(Object.values(countBy(dials, (d) => d.phone))).toEqual(Array(30).fill(1));
    expect(maxOverlap(dials)).toBeLessThanOrEqual(3);
    expect(maxOverlap(dials)).toBeGreaterThan(1);
    expect(Math.max(...seenInFlight)).toBeLessThanOrEqual(3);

    const rows = await platform.prisma.campaignContact.findMany({ where: { campaignId } });
    expect(
      rows.every((r) => r.status === 'completed' && r.attempts === 1 && r.disposition === 'answered'),
    ).toBe(true);
    const attempts = await platform.prisma.dialAttempt.findMany({ where: { contact: { campaignId } } });
    expect(attempts.map((a) => a.disposition)).toEqual(Array(30).fill('answered'));
    const campaign = await platform.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(campaign).toMatchObject({ status: 'completed', workflowId: campaignWorkflowId(campaignId) });
    expect(campaign.finishedAt).not.toBeNull();

    // Every dial and every run of the campaign carries the CampaignId search attribute.
    const tagged = await waitFor(
      async () => {
        const n = (await platform.client.workflow.count(`CampaignId = "${campaignId}"`)).count;
        return n >= 30 + (result.runs ?? 0) ? n : undefined;
      },
      30_000,
      'visibility',
    );
    expect(tagged).toBe(30 + (result.runs ?? 0));

    // Starting again is refused: a campaign runs once.
    await expect(startCampaign(platform, campaignId)).rejects.toThrow(/completed/);
  }, 120_000);

  it('retries by disposition after the configured delay, up to the maximum attempts', async () => {
    const campaignId = await createTestCampaign(
      platform,
      [
        { phone: '+14155552001', timeZone: 'UTC', variables: { simScript: 'busy,no_answer,answered' } },
        { phone: '+14155552002', timeZone: 'UTC', variables: { simScript: 'busy,busy,busy,busy' } },
        { phone: '+14155552003', timeZone: 'UTC', variables: { simScript: 'failed' } },
      ],
      { retryRules: { maxAttempts: 3, retryAfterMs: { busy: 1_500, no_answer: 3_000 } } },
    );
    await startCampaign(platform, campaignId);
    const result = await platform.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
    expect(result).toMatchObject({
      status: 'completed',
      contactsByStatus: { completed: 1, failed: 2 },
      dispositions: { answered: 1, busy: 1, failed: 1 },
    });
    const dials = await readDialLog(platform.prisma);
    const byPhone = (phone: string) => dials.filter((d) => d.phone === phone);
    expect(byPhone('+14155552001').map((d) => d.attempt)).toEqual([1, 2, 3]);
    expect(byPhone('+14155552002').map((d) => d.attempt)).toEqual([1, 2, 3]);
    expect(byPhone('+14155552003').map((d) => d.attempt)).toEqual([1]); // no rule for failed
    const [first, second, third] = byPhone('+14155552001') as [SimDialT, SimDialT, SimDialT];
    // The campaign decides at the child's end; allow the double's own bookkeeping (< 0.5 s).
    expect(second.startedAt.getTime() - (first.endedAt as Date).getTime()).toBeGreaterThanOrEqual(
      1_500 - 500,
    );
    expect(third.startedAt.getTime() - (second.endedAt as Date).getTime()).toBeGreaterThanOrEqual(
      3_000 - 500,
    );
    const attempts = await platform.prisma.dialAttempt.findMany({
      where: { contact: { phone: '+14155552001', campaignId } },
      orderBy: { attempt: 'asc' },
    });
    expect(attempts.map((a) => a.disposition)).toEqual(['busy', 'no_answer', 'answered']);
  }, 120_000);

  it('spaces dial starts by the pacing interval', async () => {
    const campaignId = await createTestCampaign(
      platform,
      contacts(6).map((c, i) => ({ ...c, phone: `+1415555300${i}` })),
      {
        concurrencyLimit: 10,
        pacingPerMinute: 20,
      },
    );
    await startCampaign(platform, campaignId);
    await platform.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
    const starts = (await readDialLog(platform.prisma))
      .filter((d) => d.phone.startsWith('+1415555300'))
      .map((d) => d.startedAt.getTime())
      .sort((a, b) => a - b);
    expect(starts).toHaveLength(6);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    // 20 a minute = one every 3 s; scheduling jitter on a shared machine may shift a start a little.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(3_000 - 600);
    expect((starts[5] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(5 * 3_000 - 600);
  }, 120_000);
});

type SimDialT = Awaited<ReturnType<typeof readDialLog>>[number];
