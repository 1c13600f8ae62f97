import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedChatRequest } from '../../src/sim/openai/server.ts';
import { callWorkflowId } from '../../src/workflows/call/contract.ts';
import {
  CALLER_ID,
  type OutboundHarness,
  seedCampaignAgent,
  seedCampaignContact,
  startOutboundHarness,
} from '../support/outbound.ts';

const ANSWERS = '+14155552001';
const OPTS_OUT = '+14155552002';

/** The simulated model: honours "stop calling me" with the opt-out tool, else small talk. */
function campaignAgent(request: RecordedChatRequest) {
  const last = request.body.messages.at(-1) as { role: string; content?: string };
  if (last.role === 'user' && /stop calling me/i.test(last.content ?? '')) {
    return {
      text: 'Of course, we will not call you again. Goodbye.',
      toolCalls: [{ name: 'optOut', arguments: {} }],
    };
  }
  return { text: 'Okay.' };
}

/**
 * A placed call answered by a person: Twilio fetches the voice URL (outbound-api), the call
 * workflow runs with the dial's agent and variables, the agent greets with them, and the outbound
 * workflow returns once the call workflow has closed the call.
 */
describe('outbound calls end to end', () => {
  let h: OutboundHarness;
  let agentId: string;

  beforeAll(async () => {
    h = await startOutboundHarness({
      name: 'outbound-e2e',
      llm: campaignAgent,
      scenarios: {
        [ANSWERS]: {
          kind: 'answer',
          script: [
            { say: 'Who is this?', afterAgentSilenceMs: 400 },
            { hangUp: true, afterAgentSilenceMs: 800 },
          ],
        },
        [OPTS_OUT]: {
          kind: 'answer',
          script: [
            { say: 'Stop calling me', afterAgentSilenceMs: 400 },
            // Only the agent may end this call: the caller would wait a minute.
            { hangUp: true, afterMs: 60_000 },
          ],
        },
      },
    });
    agentId = (await seedCampaignAgent(h.platform)).id;
  });
  afterAll(() => h?.close());

  it('greets the answering person with the dial variables and records an answered call', async () => {
    h.deepgram.enqueue('Who is this?');
    const handle = await h.dial('outbound:answered', {
      to: ANSWERS,
      agentId,
      variables: { first_name: 'Robin', topic: 'cleaning' },
    });
    const result = await handle.result();
    expect(result).toMatchObject({
      disposition: 'answered',
      callSid: expect.stringMatching(/^CA/),
      detail: 'call outcome: info-only',
    });
    expect(h.sim.dialCount(ANSWERS)).toBe(1);

    const callSid = result.callSid as string;
    const state = await h.platform.client.workflow.getHandle(callWorkflowId(callSid)).result();
    expect(state.phase).toBe('ended');
    const call = await h.platform.prisma.call.findUniqueOrThrow({
      where: { callSid },
      include: { turns: { orderBy: { sequence: 'asc' } } },
    });
    expect(call).toMatchObject({
      direction: 'outbound',
      from: CALLER_ID,
      to: ANSWERS,
      agentId,
      status: 'completed',
    });
    expect(call.answeredAt).not.toBeNull();
    const greeting = call.turns.find((t) => t.role === 'assistant');
    expect(greeting?.heardText).toBe('Hi Robin, this is Acme Dental calling about your cleaning.');
    expect(call.turns.filter((t) => t.role === 'user').map((t) => t.heardText)).toEqual(['Who is this?']);
    expect(h.sim.errors).toEqual([]);
  });

  it('puts a caller who opts out on the do-not-call list, out of the campaign, and ends the call', async () => {
    const { campaign, contact } = await seedCampaignContact(h.platform, agentId, OPTS_OUT);
    h.deepgram.enqueue('Stop calling me');
    const handle = await h.dial(`dial:${contact.id}:1`, {
      to: OPTS_OUT,
      agentId,
      campaignId: campaign.id,
      contactId: contact.id,
      attempt: 1,
      variables: { first_name: 'Dana', topic: 'checkup' },
    });
    const startedAt = Date.now();
    const result = await handle.result();
    // The agent hung up: the callee's own hang-up would only come after a minute.
    expect(Date.now() - startedAt).toBeLessThan(45_000);
    expect(result).toMatchObject({ disposition: 'answered', detail: 'call outcome: opted_out' });

    const callSid = result.callSid as string;
    const state = await h.platform.client.workflow.getHandle(callWorkflowId(callSid)).result();
    expect(state).toMatchObject({ phase: 'ended', outcome: 'opted_out' });
    const dnc = await h.platform.prisma.doNotCallEntry.findUniqueOrThrow({ where: { phone: OPTS_OUT } });
    expect(dnc.source).toBe('caller_request');
    expect(
      await h.platform.prisma.campaignContact.findUniqueOrThrow({ where: { id: contact.id } }),
    ).toMatchObject({ status: 'skipped', disposition: 'do_not_call', attempts: 1 });
    const call = await h.platform.prisma.call.findUniqueOrThrow({
      where: { callSid },
      include: { turns: { orderBy: { sequence: 'asc' } } },
    });
    expect(call).toMatchObject({
      campaignId: campaign.id,
      campaignContactId: contact.id,
      outcome: 'opted_out',
    });
    expect(call.turns.some((t) => t.role === 'assistant' && /not call you again/.test(t.heardText))).toBe(
      true,
    );

    // The next attempt stops at the do-not-call gate: no second dial.
    const retry = await (
      await h.dial(`dial:${contact.id}:2`, { to: OPTS_OUT, contactId: contact.id, attempt: 2 })
    ).result();
    expect(retry.disposition).toBe('do_not_call');
    expect(h.sim.dialCount(OPTS_OUT)).toBe(1);
  });
});
