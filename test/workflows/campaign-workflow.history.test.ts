import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampaign } from '../../src/campaigns/campaign-control.ts';
import { campaignWorkflowId } from '../../src/workflows/campaign/contract.ts';
import { type CampaignPlatform, startCampaignPlatform } from '../support/campaign-platform.ts';
import { contacts, createTestCampaign } from '../support/campaigns.ts';

const WORKFLOWS = fileURLToPath(new URL('../support/campaign-workflows.ts', import.meta.url));
// Binary protobuf: in this install `runReplayHistory` cannot parse JSON histories (a second
// protobufjs copy under @temporalio/common fails with "type must be a Type").
const FIXTURE = fileURLToPath(new URL('../histories/campaign-retries.history.pb', import.meta.url));
const FIXTURE_V2 = fileURLToPath(new URL('../histories/campaign-dispatch-v2.history.pb', import.meta.url));
const History = temporal.api.history.v1.History;
/** dial-loop.ts's EVENTS_PER_DIAL. */
const EVENTS_PER_DIAL_BUDGET = 12;

/**
 * History size per run with the default dials-per-run, and determinism: fresh histories and the
 * recorded fixture replay against today's workflow code. Set RECORD_CAMPAIGN_HISTORY=v2 to
 * re-record the dispatch-v2 fixture after an intended, versioned change (=v1 re-records the
 * pre-v2 fixture, which only a checkout from before 'campaign-dispatch-v2' can produce).
 */
describe('campaign workflow: history', () => {
  let platform: CampaignPlatform;

  beforeAll(async () => {
    platform = await startCampaignPlatform({ name: 'campaign-history' });
  });
  afterAll(() => platform?.close());

  async function runHistories(campaignId: string) {
    const id = campaignWorkflowId(campaignId);
    const runs = [];
    for await (const wf of platform.client.workflow.list({ query: `WorkflowId = "${id}"` })) runs.push(wf);
    return Promise.all(runs.map((r) => platform.client.workflow.getHandle(id, r.runId).fetchHistory()));
  }

  it('keeps a 300-contact run within its per-dial event budget, and replays', async () => {
    const campaignId = await createTestCampaign(platform, contacts(300), { concurrencyLimit: 20 });
    const started = Date.now();
    await startCampaign(platform, campaignId);
    const result = await platform.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
    const wallMs = Date.now() - started;
    // 300 dials fit in one run at the default dials per run (continue-as-new is bounded by history).
    expect(result).toMatchObject({ status: 'completed', contactsByStatus: { completed: 300 }, runs: 1 });
    const histories = await runHistories(campaignId);
    expect(histories).toHaveLength(1);
    const lengths = histories.map((h) => h.events?.length ?? 0);
    // The run stops dialing early enough for its last page and drain assuming at most this many
    // events per dial (dial-loop.ts EVENTS_PER_DIAL); a run that spends more would overshoot.
    for (const n of lengths) expect(n / 300).toBeLessThanOrEqual(EVENTS_PER_DIAL_BUDGET);
    console.info(JSON.stringify({ test: 'campaign-history', eventsPerRun: lengths, dials: 300, wallMs }));
    for (const h of histories) await Worker.runReplayHistory({ workflowsPath: WORKFLOWS }, h);
  }, 300_000);

  it('replays runs dispatched at a high concurrency (writes and page reads racing child completions)', async () => {
    // Found by bench:campaign: at concurrency 200, runs whose page reads and batched writes were
    // local activities could not be replayed (a marker for one came back where the other was
    // issued), so a worker restart or cache eviction stalled the campaign for good.
    const campaignId = await createTestCampaign(platform, contacts(800), { concurrencyLimit: 150 });
    await startCampaign(platform, campaignId);
    const result = await platform.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
    expect(result).toMatchObject({ status: 'completed', contactsByStatus: { completed: 800 } });
    for (const h of await runHistories(campaignId))
      await Worker.runReplayHistory({ workflowsPath: WORKFLOWS }, h);
  }, 300_000);

  it('replays the recorded history of a dispatch-v2 campaign (slots freed on result, read-ahead)', async () => {
    if (process.env.RECORD_CAMPAIGN_HISTORY === 'v2') {
      const campaignId = await createTestCampaign(
        platform,
        contacts(12, { simScript: 'busy,answered' }).map((c, i) => ({ ...c, phone: `+141555570${10 + i}` })),
        { concurrencyLimit: 3, retryRules: { maxAttempts: 2, retryAfterMs: { busy: 1_000 } } },
      );
      await startCampaign(platform, campaignId, { pageSize: 4, dialsPerRun: 30 });
      await platform.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
      const [history] = await runHistories(campaignId);
      fs.writeFileSync(FIXTURE_V2, History.encode(history as temporal.api.history.v1.IHistory).finish());
    }
    const recorded = History.decode(fs.readFileSync(FIXTURE_V2));
    const markers = recorded.events.filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_patch',
    );
    expect(markers.length).toBeGreaterThan(0);
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS }, recorded);
  }, 300_000);

  it('replays the recorded history of a campaign with retries', async () => {
    if (process.env.RECORD_CAMPAIGN_HISTORY === 'v1') {
      const campaignId = await createTestCampaign(
        platform,
        contacts(6, { simScript: 'busy,answered' }).map((c, i) => ({ ...c, phone: `+1415555500${i}` })),
        { concurrencyLimit: 2, retryRules: { maxAttempts: 2, retryAfterMs: { busy: 1_000 } } },
      );
      await startCampaign(platform, campaignId, { pageSize: 4 });
      await platform.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
      const [history] = await runHistories(campaignId);
      fs.writeFileSync(FIXTURE, History.encode(history as temporal.api.history.v1.IHistory).finish());
    }
    const recorded = History.decode(fs.readFileSync(FIXTURE));
    expect(recorded.events.length).toBeGreaterThan(50);
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS }, recorded);
  }, 300_000);
});
