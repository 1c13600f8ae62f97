import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTwilioRequest } from '../../src/providers/twilio/signature.ts';
import {
  AUTH_TOKEN,
  type OutboundHarness,
  seedCampaignAgent,
  seedCampaignContact,
  startOutboundHarness,
} from '../support/outbound.ts';

const BUSY = '+14155551001';
const NO_ANSWER = '+14155551002';
const FAILED = '+14155551003';
const MACHINE_HANG_UP = '+14155551004';
const MACHINE_MESSAGE = '+14155551005';
const TWILIO_INVALID = '+14155551006';
const ON_DNC = '+14155551007';
const CAMPAIGN_BUSY = '+14155551008';

/**
 * Each way a placed call can end short of a conversation, through the real workflow, the official
 * Twilio SDK, signed status and AMD callbacks to the real webhooks, and the simulated carrier.
 */
describe('outbound call workflow: dispositions', () => {
  let h: OutboundHarness;
  let agentId: string;

  beforeAll(async () => {
    h = await startOutboundHarness({
      name: 'outbound-dispositions',
      scenarios: {
        [BUSY]: { kind: 'busy' },
        [NO_ANSWER]: { kind: 'no-answer' },
        [FAILED]: { kind: 'failed' },
        [MACHINE_HANG_UP]: { kind: 'machine', greetingMs: 1200 },
        [MACHINE_MESSAGE]: { kind: 'machine', greetingMs: 1200 },
        [TWILIO_INVALID]: { kind: 'invalid' },
        [CAMPAIGN_BUSY]: { kind: 'busy' },
      },
    });
    agentId = (await seedCampaignAgent(h.platform)).id;
  });
  afterAll(() => h?.close());

  it.each([
    [BUSY, 'busy'],
    [NO_ANSWER, 'no_answer'],
    [FAILED, 'failed'],
  ])('reports %s as %s from the status callbacks', async (to, disposition) => {
    const handle = await h.dial(`outbound:${disposition}`, { to, ringTimeoutSec: 5 });
    const result = await handle.result();
    expect(result).toMatchObject({ disposition, callSid: expect.stringMatching(/^CA/) });
    expect(h.sim.dialCount(to)).toBe(1);
  });

  it('hangs up on a voicemail box when told to', async () => {
    const handle = await h.dial('outbound:vm-hangup', {
      to: MACHINE_HANG_UP,
      voicemail: { action: 'hang_up' },
    });
    const result = await handle.result();
    expect(result.disposition).toBe('voicemail');
    const updates = h.rest.registry.updates.filter((u) => u.sid === result.callSid);
    expect(updates.map((u) => u.params.Status)).toEqual(['completed']);
    expect(h.sim.voicemails.filter((v) => v.callSid === result.callSid)).toEqual([]);
  });

  it('leaves the message after the greeting ends, then hangs up', async () => {
    const message = 'Hi, this is Acme Dental. Please call us back.';
    const handle = await h.dial('outbound:vm-message', {
      to: MACHINE_MESSAGE,
      voicemail: { action: 'leave_message', message },
    });
    const result = await handle.result();
    expect(result.disposition).toBe('voicemail');
    const left = h.sim.voicemails.filter((v) => v.callSid === result.callSid);
    expect(left).toHaveLength(1);
    expect(left[0]?.twiml).toContain(`<Say>${message}</Say><Hangup/>`);
    expect(h.rest.registry.get(result.callSid as string)?.status).toBe('completed');
  });

  it('records invalid_number without dialing a malformed number', async () => {
    const handle = await h.dial('outbound:malformed', { to: '+1415555' });
    expect(await handle.result()).toMatchObject({ disposition: 'invalid_number' });
    expect(h.sim.dialCount('+1415555')).toBe(0);
    expect(h.sim.rejected.filter((r) => r.to === '+1415555')).toEqual([]);
  });

  it("maps Twilio's 21211 refusal to invalid_number", async () => {
    const handle = await h.dial('outbound:twilio-invalid', { to: TWILIO_INVALID });
    const result = await handle.result();
    expect(result).toMatchObject({ disposition: 'invalid_number', detail: expect.stringContaining('21211') });
    expect(result.callSid).toBeUndefined();
    expect(h.sim.dialCount(TWILIO_INVALID)).toBe(0);
    expect(h.sim.rejected.filter((r) => r.to === TWILIO_INVALID)).toEqual([
      { to: TWILIO_INVALID, code: 21211 },
    ]);
  });

  it('never dials a number on the do-not-call list', async () => {
    await h.platform.prisma.doNotCallEntry.create({ data: { phone: ON_DNC, source: 'import' } });
    const handle = await h.dial('outbound:dnc', { to: ON_DNC });
    expect(await handle.result()).toMatchObject({ disposition: 'do_not_call' });
    expect(h.sim.dialCount(ON_DNC)).toBe(0);
  });

  it('claims a campaign attempt, records its outcome, and never dials the same attempt twice', async () => {
    const { campaign, contact } = await seedCampaignContact(h.platform, agentId, CAMPAIGN_BUSY);
    const input = { to: CAMPAIGN_BUSY, campaignId: campaign.id, contactId: contact.id, attempt: 1, agentId };
    const first = await (await h.dial(`dial:${contact.id}:1`, input)).result();
    expect(first.disposition).toBe('busy');
    const attempt = await h.platform.prisma.dialAttempt.findUniqueOrThrow({
      where: { contactId_attempt: { contactId: contact.id, attempt: 1 } },
    });
    expect(attempt).toMatchObject({ callSid: first.callSid, disposition: 'busy' });
    expect(attempt.finishedAt).not.toBeNull();
    expect(
      await h.platform.prisma.campaignContact.findUniqueOrThrow({ where: { id: contact.id } }),
    ).toMatchObject({ attempts: 1, disposition: 'busy' });

    // The same attempt started again (a replayed parent, a reused id): its record answers, no dial.
    const again = await (await h.dial(`dial:${contact.id}:1:again`, input)).result();
    expect(again).toEqual({ disposition: 'busy', callSid: first.callSid });
    expect(h.sim.dialCount(CAMPAIGN_BUSY)).toBe(1);

    const described = await h.platform.client.workflow.getHandle(`dial:${contact.id}:1`).describe();
    expect(described.searchAttributes.CampaignId).toEqual([campaign.id]);
  });

  it('rejects a caller id that is not E.164 before claiming or dialing anything', async () => {
    const handle = await h.dial('outbound:bad-from', { to: BUSY, from: 'ACME' });
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(
      /from must be an E\.164 caller id/,
    );
    expect(h.sim.dialCount(BUSY)).toBe(1);
  });

  it('refuses progress callbacks Twilio did not sign, or signed for another dial', async () => {
    const params = { CallSid: `CA${'9'.repeat(32)}`, CallStatus: 'busy', SequenceNumber: '0' };
    const post = (dial: string, signedFor: string) =>
      fetch(`${h.baseUrl}/twilio/outbound/status?dial=${dial}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signTwilioRequest(
            AUTH_TOKEN,
            `${h.baseUrl}/twilio/outbound/status?dial=${signedFor}`,
            params,
          ),
        },
        body: new URLSearchParams(params).toString(),
      });
    expect((await post('outbound%3Abusy', 'outbound%3Aother')).status).toBe(403);
    expect((await post('outbound%3Abusy', 'outbound%3Abusy')).status).toBe(204);
  });

  it('sent every callback with a valid signature', () => {
    expect(h.sim.errors).toEqual([]);
  });

  it('replays the recorded histories with the current workflow code', async () => {
    const workflowsPath = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));
    for (const id of ['outbound:busy', 'outbound:vm-hangup', 'outbound:vm-message', 'outbound:dnc']) {
      const history = await h.platform.client.workflow.getHandle(id).fetchHistory();
      await Worker.runReplayHistory({ workflowsPath }, history, id);
    }
  });
});
