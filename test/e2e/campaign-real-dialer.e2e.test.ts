import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/create-campaign.ts';
import { campaignCounts } from '../../src/db/campaign-dialing.ts';
import type { OutboundScenario } from '../../src/sim/twilio/outbound.ts';
import { callWorkflowId } from '../../src/workflows/call/contract.ts';
import * as campaign from '../../src/workflows/campaign/contract.ts';
import { campaignDialWorkflowId } from '../../src/workflows/outbound/contract.ts';
import { ALWAYS, countBy } from '../support/campaigns.ts';
import {
  CALLER_ID,
  type OutboundHarness,
  seedCampaignAgent,
  startOutboundHarness,
} from '../support/outbound.ts';

const ANSWERS_1 = '+14155553001';
const ANSWERS_2 = '+14155553002';
const BUSY = '+14155553003';
const NO_ANSWER = '+14155553004';
const VOICEMAIL = '+14155553005';
const INVALID = '+14155553006';
const FAILED = '+14155553007';
/** Put on the do-not-call list after the campaign was created, before it starts. */
const DNC_BEFORE_START = '+14155553008';
/** Busy on the first attempt; put on the do-not-call list while that attempt rings. */
const DNC_BETWEEN_ATTEMPTS = '+14155553009';

const HANGS_UP_AFTER_GREETING: OutboundScenario = {
  kind: 'answer',
  script: [{ hangUp: true, afterAgentSilenceMs: 600 }],
};

/** What each number must end as: dials accepted by the simulated Twilio, and the contact row. */
const EXPECTED: Record<string, { dials: number; status: string; disposition: string; attempts: number }> = {
  [ANSWERS_1]: { dials: 1, status: 'completed', disposition: 'answered', attempts: 1 },
  [ANSWERS_2]: { dials: 1, status: 'completed', disposition: 'answered', attempts: 1 },
  // Busy is retried once (maxAttempts 2) after the configured delay, then the contact has failed.
  [BUSY]: { dials: 2, status: 'failed', disposition: 'busy', attempts: 2 },
  // No retry rule for no-answer: final after one attempt.
  [NO_ANSWER]: { dials: 1, status: 'failed', disposition: 'no_answer', attempts: 1 },
  // A voicemail not retried still reached the line.
  [VOICEMAIL]: { dials: 1, status: 'completed', disposition: 'voicemail', attempts: 1 },
  // Twilio refuses the number (21211): never accepted, never retried.
  [INVALID]: { dials: 0, status: 'failed', disposition: 'invalid_number', attempts: 1 },
  [FAILED]: { dials: 1, status: 'failed', disposition: 'failed', attempts: 1 },
  [DNC_BEFORE_START]: { dials: 0, status: 'skipped', disposition: 'do_not_call', attempts: 0 },
  [DNC_BETWEEN_ATTEMPTS]: { dials: 1, status: 'skipped', disposition: 'do_not_call', attempts: 1 },
};

/**
 * A small campaign through the real campaign workflow, the real outbound-call workflow and the
 * official Twilio SDK against the simulated Twilio, with answered calls running the real
 * webhooks, media stream and call workflow: what each branch writes must agree.
 */
describe('campaign with the real dialer', () => {
  let h: OutboundHarness;
  let agentId: string;

  beforeAll(async () => {
    h = await startOutboundHarness({
      name: 'campaign-real-dialer',
      scenarios: {
        [ANSWERS_1]: HANGS_UP_AFTER_GREETING,
        [ANSWERS_2]: HANGS_UP_AFTER_GREETING,
        [BUSY]: { kind: 'busy' },
        [NO_ANSWER]: { kind: 'no-answer' },
        [VOICEMAIL]: { kind: 'machine', greetingMs: 800, maxMessageMs: 5_000 },
        [INVALID]: { kind: 'invalid' },
        [FAILED]: { kind: 'failed' },
        [DNC_BEFORE_START]: HANGS_UP_AFTER_GREETING,
        [DNC_BETWEEN_ATTEMPTS]: { kind: 'busy' },
      },
      onAccepted: async (call) => {
        if (call.to !== DNC_BETWEEN_ATTEMPTS) return;
        await h.platform.prisma.doNotCallEntry.upsert({
          where: { phone: call.to },
          create: { phone: call.to, source: 'admin', reason: 'asked by letter' },
          update: {},
        });
      },
    });
    agentId = (await seedCampaignAgent(h.platform)).id;
  }, 120_000);
  afterAll(() => h?.close());

  it('dials each attempt once and leaves dispositions, statuses, calls and progress in agreement', async () => {
    const { prisma, client, taskQueue } = h.platform;
    const { campaignId } = await createCampaign(prisma, {
      name: 'integration campaign',
      agentId,
      promptVariables: { topic: 'checkup' },
      concurrencyLimit: 4,
      pacingPerMinute: 600,
      callingHours: ALWAYS,
      retryRules: { maxAttempts: 2, retryAfterMs: { busy: 1_500 } },
      callerId: CALLER_ID,
      contacts: Object.keys(EXPECTED).map((phone, i) => ({
        phone,
        timeZone: 'America/New_York',
        variables: { first_name: `Contact${i}` },
      })),
    });
    await prisma.doNotCallEntry.create({ data: { phone: DNC_BEFORE_START, source: 'admin' } });

    const handle = await client.workflow.start(campaign.campaignWorkflowType, {
      taskQueue,
      workflowId: campaign.campaignWorkflowId(campaignId),
      args: [{ campaignId } satisfies campaign.CampaignInput],
    });
    const final = (await handle.result()) as campaign.CampaignProgress;
    await h.sim.settled();

    const contacts = await prisma.campaignContact.findMany({
      where: { campaignId },
      include: { dialAttempts: { orderBy: { attempt: 'asc' } } },
    });
    for (const c of contacts) {
      const want = EXPECTED[c.phone];
      expect({ phone: c.phone, dials: h.sim.dialCount(c.phone) }).toEqual({
        phone: c.phone,
        dials: want?.dials,
      });
      expect({ phone: c.phone, status: c.status, disposition: c.disposition, attempts: c.attempts }).toEqual({
        phone: c.phone,
        status: want?.status,
        disposition: want?.disposition,
        attempts: want?.attempts,
      });
      expect(c.nextAttemptAt).toBeNull();
      // One attempt record per attempt made, each finished with a disposition.
      expect(c.dialAttempts.map((a) => a.attempt)).toEqual(
        Array.from({ length: c.attempts }, (_, i) => i + 1),
      );
      for (const a of c.dialAttempts) {
        expect(a.finishedAt).not.toBeNull();
        expect(a.disposition).not.toBeNull();
      }
    }
    expect(h.sim.rejected).toEqual([{ to: INVALID, code: 21211 }]);
    // The retried busy attempt came no sooner than the configured delay.
    const [first, second] = contacts.find((c) => c.phone === BUSY)?.dialAttempts ?? [];
    expect([first?.disposition, second?.disposition]).toEqual(['busy', 'busy']);
    expect(Number(second?.claimedAt) - Number(first?.finishedAt)).toBeGreaterThanOrEqual(1_400);

    // Answered contacts: a completed call record linked to the contact, and its call workflow done.
    for (const phone of [ANSWERS_1, ANSWERS_2]) {
      const contact = contacts.find((c) => c.phone === phone);
      const attempt = contact?.dialAttempts[0];
      expect(attempt?.callSid).toMatch(/^CA/);
      const call = await prisma.call.findUniqueOrThrow({ where: { callSid: attempt?.callSid as string } });
      expect(call).toMatchObject({
        direction: 'outbound',
        to: phone,
        campaignId,
        campaignContactId: contact?.id,
        status: 'completed',
      });
      const callWf = await client.workflow.getHandle(callWorkflowId(call.callSid)).describe();
      expect(callWf.status.name).toBe('COMPLETED');
      const dial = await client.workflow.getHandle(campaignDialWorkflowId(contact?.id as string, 1)).result();
      expect(dial).toMatchObject({ disposition: 'answered', callSid: call.callSid });
    }
    // The voicemail box also fetched the voice URL: a call record, whose workflow closed too.
    const calls = await prisma.call.findMany({ where: { campaignId }, orderBy: { to: 'asc' } });
    expect(calls.map((c) => c.to)).toEqual([ANSWERS_1, ANSWERS_2, VOICEMAIL]);
    for (const c of calls) {
      const wf = await client.workflow.getHandle(callWorkflowId(c.callSid)).describe();
      expect({ to: c.to, workflow: wf.status.name }).toEqual({ to: c.to, workflow: 'COMPLETED' });
    }
    expect(h.sim.errors).toEqual([]);

    // Progress (returned and queried) counts what the database holds.
    const db = await campaignCounts(prisma, campaignId);
    const byStatus = countBy(Object.values(EXPECTED), (e) => e.status);
    expect(db.contactsByStatus).toEqual(byStatus);
    expect(final).toMatchObject({ status: 'completed', inFlight: 0, ...db });
    const queried = await handle.query(campaign.campaignProgressQuery);
    expect(queried).toMatchObject({ status: 'completed', ...db });
    expect(queried.dialsStarted).toBe(Object.values(EXPECTED).reduce((n, e) => n + e.attempts, 0));
    expect(await prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).toMatchObject({
      status: 'completed',
    });
  }, 240_000);
});
