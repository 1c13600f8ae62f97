import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  campaignProgress,
  cancelCampaign,
  changeCampaignSettings,
  pauseCampaign,
  resumeCampaign,
  startCampaign,
} from '../../src/campaigns/campaign-control.ts';
import { CampaignNotFoundError, CampaignValidationError } from '../../src/domain/errors.ts';
import * as contract from '../../src/workflows/campaign/contract.ts';
import { type CampaignPlatform, startCampaignPlatform } from '../support/campaign-platform.ts';
import { contacts, createTestCampaign, maxOverlap, waitFor } from '../support/campaigns.ts';
import { readDialLog } from '../support/dial-double.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pause, resume, live settings and cancel on a running campaign. */
describe('campaign workflow: live control', () => {
  let platform: CampaignPlatform;

  beforeAll(async () => {
    platform = await startCampaignPlatform({ name: 'campaign-control' });
  });
  afterAll(() => platform?.close());

  const dialCount = async () => (await readDialLog(platform.prisma)).length;

  it('pauses, changes settings, resumes and cancels; in-flight calls finish, nothing new is dialed', async () => {
    const campaignId = await createTestCampaign(platform, contacts(40, { simHoldMs: '500' }), {
      concurrencyLimit: 1,
    });
    await startCampaign(platform, campaignId);
    // Starting twice is idempotent: the same workflow keeps running.
    await startCampaign(platform, campaignId);
    const handle = platform.client.workflow.getHandle(contract.campaignWorkflowId(campaignId));
    await waitFor(async () => (await dialCount()) >= 3, 60_000, 'three dials');

    await pauseCampaign(platform, campaignId);
    // Drained: no dial running and every outcome written (the checks below read the database).
    await waitFor(
      async () => {
        const p = await campaignProgress(platform, campaignId);
        return p.inFlight === 0 && p.unwritten === 0;
      },
      30_000,
      'drain',
    );
    const atPause = await dialCount();
    expect((await campaignProgress(platform, campaignId)).status).toBe('paused');
    expect((await platform.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe(
      'paused',
    );

    // Bad settings are refused before they reach the workflow, and by its validator too.
    await expect(
      changeCampaignSettings(platform, campaignId, { concurrencyLimit: 0 }),
    ).rejects.toBeInstanceOf(CampaignValidationError);
    await expect(
      handle.executeUpdate(contract.changeCampaignSettingsUpdate, { args: [{ pacingPerMinute: 0 }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(
      handle.executeUpdate(contract.changeCampaignSettingsUpdate, { args: [{ callingHours: { mon: [] } }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    const changed = await changeCampaignSettings(platform, campaignId, { concurrencyLimit: 4 });
    expect(changed).toMatchObject({ concurrencyLimit: 4, pacingPerMinute: 60_000 });
    expect(await platform.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).toMatchObject({
      concurrencyLimit: 4,
      pacingPerMinute: 60_000,
    });

    await sleep(2_000);
    expect(await dialCount()).toBe(atPause); // paused: no dial in 2 s

    await resumeCampaign(platform, campaignId);
    await waitFor(async () => (await dialCount()) >= atPause + 12, 60_000, 'dials after resume');
    expect((await platform.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe(
      'running',
    );
    const afterResume = (await readDialLog(platform.prisma)).slice(atPause);
    expect(maxOverlap(afterResume)).toBeGreaterThan(1); // the new limit is in force
    expect(maxOverlap(afterResume)).toBeLessThanOrEqual(4);

    await cancelCampaign(platform, campaignId);
    const result = await handle.result();
    const dials = await readDialLog(platform.prisma);
    expect(result.status).toBe('cancelled');
    expect(dials.length).toBeLessThan(40);
    expect(dials.every((d) => d.endedAt !== null)).toBe(true); // in-flight calls were not cut
    const byStatus = result.contactsByStatus;
    expect(byStatus.completed).toBe(dials.length);
    expect(byStatus.cancelled).toBe(40 - dials.length);
    const campaign = await platform.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(campaign.status).toBe('cancelled');
    await sleep(1_500);
    expect(await dialCount()).toBe(dials.length); // nothing dialed after the cancellation
  }, 180_000);

  it('describes a campaign not started yet from the database, and refuses unknown ones', async () => {
    const campaignId = await createTestCampaign(
      platform,
      contacts(3).map((c, i) => ({ ...c, phone: `+1415555600${i}` })),
    );
    expect(await campaignProgress(platform, campaignId)).toEqual({
      status: 'draft',
      contactsByStatus: { pending: 3 },
      dispositions: {},
      inFlight: 0,
      unwritten: 0,
      concurrencyLimit: 5,
      pacingPerMinute: 60_000,
    });
    const unknown = '01900000-0000-7000-8000-0000000000ff';
    await expect(startCampaign(platform, unknown)).rejects.toBeInstanceOf(CampaignNotFoundError);
    await expect(campaignProgress(platform, unknown)).rejects.toBeInstanceOf(CampaignNotFoundError);
    await platform.prisma.campaign.delete({ where: { id: campaignId } });
  });

  it('a faster pace applies at once', async () => {
    const list = contacts(8).map((c, i) => ({ ...c, phone: `+1415555400${i}` }));
    const campaignId = await createTestCampaign(platform, list, { pacingPerMinute: 2, concurrencyLimit: 5 });
    await startCampaign(platform, campaignId);
    const handle = platform.client.workflow.getHandle(contract.campaignWorkflowId(campaignId));
    await waitFor(
      async () => (await campaignProgress(platform, campaignId)).nextDialAt,
      30_000,
      'pacing wait',
    );
    // At 2 a minute the rest would take 3.5 minutes; re-paced, they finish in seconds.
    await changeCampaignSettings(platform, campaignId, { pacingPerMinute: 600 });
    const started = Date.now();
    const result = await handle.result();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result).toMatchObject({
      status: 'completed',
      pacingPerMinute: 600,
      contactsByStatus: { completed: 8 },
    });
  }, 120_000);
});
