import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampaign } from '../../src/campaigns/campaign-control.ts';
import { campaignWorkflowId } from '../../src/workflows/campaign/contract.ts';
import { type CampaignPlatform, startCampaignPlatform } from '../support/campaign-platform.ts';
import { contacts, countBy, createTestCampaign, waitFor } from '../support/campaigns.ts';
import { readDialLog } from '../support/dial-double.ts';
import { WorkerProcess } from '../support/worker-process.ts';

const CONTACTS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * R1: a 200-contact campaign while its only worker process is SIGKILLed three times at random
 * moments and restarted 2 s later. Every contact must reach the dialer exactly once.
 */
describe('campaign workflow: worker killed mid-campaign (R1)', () => {
  let platform: CampaignPlatform;
  let worker: WorkerProcess;

  beforeAll(async () => {
    platform = await startCampaignPlatform({ name: 'campaign-r1', inProcessWorker: false });
    worker = new WorkerProcess({
      SB_DATABASE_URL: platform.databaseUrl,
      SB_TEMPORAL_ADDRESS: platform.address,
      SB_NAMESPACE: platform.namespace,
      SB_TASK_QUEUE: platform.taskQueue,
    });
  });
  afterAll(async () => {
    await worker?.kill();
    await platform?.close();
  });

  it('dials every contact exactly once through three SIGKILLs', async () => {
    const campaignId = await createTestCampaign(platform, contacts(CONTACTS, { simHoldMs: '300' }), {
      concurrencyLimit: 8,
    });
    await worker.start();
    const began = Date.now();
    await startCampaign(platform, campaignId, { pageSize: 25, dialsPerRun: 60 });
    const dialsAtKill: number[] = [];
    const recoveryMs: number[] = [];
    // Random moments spread over the campaign: after a random number of dials, plus up to 1 s.
    const thresholds = [0, 1, 2].map(() => 10 + Math.floor(Math.random() * 170)).sort((a, b) => a - b);
    for (const threshold of thresholds) {
      await waitFor(async () => (await readDialLog(platform.prisma)).length >= threshold, 240_000, 'dials');
      await sleep(Math.random() * 1_000);
      await worker.kill();
      dialsAtKill.push((await readDialLog(platform.prisma)).length);
      await sleep(2_000);
      await worker.start();
      const restarted = Date.now();
      const before = dialsAtKill.at(-1) as number;
      await waitFor(
        async () => (await readDialLog(platform.prisma)).length > before,
        120_000,
        'a dial after restart',
      );
      recoveryMs.push(Date.now() - restarted);
    }
    const result = await platform.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
    const wallMs = Date.now() - began;

    // Every kill landed while the campaign was still dialing.
    for (const n of dialsAtKill) expect(n).toBeLessThan(CONTACTS);
    const dials = await readDialLog(platform.prisma);
    const perNumber = countBy(dials, (d) => d.phone);
    expect(Object.keys(perNumber)).toHaveLength(CONTACTS); // none missed
    expect(Object.values(perNumber).every((n) => n === 1)).toBe(true); // none twice
    expect(dials.every((d) => d.attempt === 1)).toBe(true);
    expect(result).toMatchObject({ status: 'completed', contactsByStatus: { completed: CONTACTS } });
    expect(await platform.prisma.dialAttempt.count()).toBe(CONTACTS);
    console.info(
      JSON.stringify({
        test: 'R1',
        contacts: CONTACTS,
        thresholds,
        dialsAtKill,
        recoveryMs,
        wallMs,
        runs: result.runs,
      }),
    );
  }, 600_000);
});
