import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_RULES } from '../../src/domain/campaign-rules.ts';
import { fullBucket } from '../../src/domain/pacing.ts';
import {
  type CampaignInput,
  type CampaignProgress,
  campaignWorkflowId,
  campaignWorkflowType,
} from '../../src/workflows/campaign/contract.ts';
import { campaignDialWorkflowId, reportToCampaignSignal } from '../../src/workflows/outbound/contract.ts';
import { SA } from '../../src/workflows/search-attributes.ts';
import { ALWAYS } from '../support/campaigns.ts';
import {
  CALLER_ID,
  type OutboundHarness,
  seedCampaignAgent,
  seedCampaignContact,
  startOutboundHarness,
} from '../support/outbound.ts';

const NO_ANSWER = '+14155552101';

/**
 * The real dialer's side of the campaign hand-off: asked by `reportToCampaign`, it delivers its
 * result by `dialFinished` to the campaign's workflow id, where the real campaign workflow (a run
 * that carried the dial in from its predecessor) settles it. Real Temporal, Postgres and the
 * simulated Twilio.
 */
describe('outbound call workflow: campaign hand-off', () => {
  let h: OutboundHarness;
  let agentId: string;

  beforeAll(async () => {
    h = await startOutboundHarness({
      name: 'outbound-handoff',
      scenarios: { [NO_ANSWER]: { kind: 'no-answer' } },
    });
    agentId = (await seedCampaignAgent(h.platform)).id;
  });
  afterAll(() => h?.close());

  it('reports its result to the campaign run that carried it, which writes the outcome and completes', async () => {
    const { campaign, contact } = await seedCampaignContact(h.platform, agentId, NO_ANSWER);
    const now = Date.now();
    // A campaign run as its predecessor hands it over: this dial in flight, nothing else left to dial.
    const input: CampaignInput = {
      campaignId: campaign.id,
      handOffDials: true,
      carried: {
        settings: {
          agentId,
          callerId: CALLER_ID,
          promptVariables: {},
          concurrencyLimit: 1,
          pacingPerMinute: 60,
          callingHours: ALWAYS,
          retryRules: { ...DEFAULT_RETRY_RULES, maxAttempts: 1 },
        },
        paused: false,
        cancelled: false,
        firstPassDone: true,
        dueCheckAtMs: null,
        pacing: fullBucket(60, now),
        contactsByStatus: {},
        dispositions: {},
        dialsStarted: 1,
        runs: 2,
        handedOff: [{ contactId: contact.id, attempt: 1, timeZone: contact.timeZone, sinceMs: now }],
      },
    };
    const campaignHandle = await h.platform.client.workflow.start(campaignWorkflowType, {
      taskQueue: h.platform.taskQueue,
      workflowId: campaignWorkflowId(campaign.id),
      args: [input],
    });
    const progress: CampaignProgress = await campaignHandle.query('campaignProgress');
    expect(progress).toMatchObject({ status: 'running', inFlight: 1 });

    // The dial, asked for the hand-off in its first workflow task.
    const dial = await h.platform.client.workflow.signalWithStart('outboundCallWorkflow', {
      taskQueue: h.platform.taskQueue,
      workflowId: campaignDialWorkflowId(contact.id, 1),
      args: [{ from: CALLER_ID, to: NO_ANSWER, campaignId: campaign.id, contactId: contact.id, attempt: 1 }],
      typedSearchAttributes: [{ key: SA.campaignId, value: campaign.id }],
      signal: reportToCampaignSignal,
      signalArgs: [{ campaignWorkflowId: campaignWorkflowId(campaign.id) }],
    });
    const dialResult = await dial.result();
    expect(dialResult).toMatchObject({ disposition: 'no_answer' });

    const result = await campaignHandle.result();
    expect(result).toMatchObject({
      status: 'completed',
      contactsByStatus: { failed: 1 },
      dispositions: { no_answer: 1 },
      inFlight: 0,
      unwritten: 0,
    });
    expect(h.sim.dialCount(NO_ANSWER)).toBe(1);
    const row = await h.platform.prisma.campaignContact.findUniqueOrThrow({ where: { id: contact.id } });
    expect(row).toMatchObject({ status: 'failed', disposition: 'no_answer' });

    const dialEvents = (await dial.fetchHistory()).events ?? [];
    const sent = dialEvents.flatMap((e) => {
      const a = e.signalExternalWorkflowExecutionInitiatedEventAttributes;
      return a ? [[a.signalName, a.workflowExecution?.workflowId]] : [];
    });
    expect(sent).toEqual([['dialFinished', campaignWorkflowId(campaign.id)]]);
    const campaignEvents = (await campaignHandle.fetchHistory()).events ?? [];
    const received = campaignEvents.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'dialFinished',
    );
    expect(received).toHaveLength(1);
  }, 120_000);
});
