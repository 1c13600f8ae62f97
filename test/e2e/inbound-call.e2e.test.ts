import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger } from '../../src/logger.ts';
import { createTwilioCallControl } from '../../src/providers/twilio/call-control.ts';
import { signTwilioRequest } from '../../src/providers/twilio/signature.ts';
import { type CallMetrics, createCallMetrics } from '../../src/realtime/call-metrics.ts';
import { type SimDeepgram, startSimDeepgram } from '../../src/sim/deepgram/server.ts';
import { type ElevenLabsSim, startElevenLabsSim } from '../../src/sim/elevenlabs/server.ts';
import {
  type OpenAiSim,
  type OpenAiSimReply,
  type RecordedChatRequest,
  startOpenAiSim,
} from '../../src/sim/openai/server.ts';
import { placeSimCall } from '../../src/sim/twilio/caller.ts';
import { createSimTwilioRest, type SimTwilioRest } from '../../src/sim/twilio/rest.ts';
import { findFreePort } from '../../src/temporal/ports.ts';
import { callWorkflowId } from '../../src/workflows/call/contract.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { startTestRealtimeNode } from '../support/realtime-node.ts';

const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
const AUTH_TOKEN = 'e2e-auth-token-0123456789abcdef';
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** The simulated model: look up slots, offer the first, book it when the caller agrees, end. */
function receptionist(request: RecordedChatRequest): OpenAiSimReply {
  const messages = request.body.messages;
  const last = messages[messages.length - 1] as { role: string; content?: string };
  const toolResults = messages.filter((m) => m.role === 'tool') as { content: string }[];
  const slots = toolResults.map((m) => JSON.parse(m.content)).find((r) => r.slots)?.slots as {
    startsAt: string;
  }[];
  if (last.role === 'user' && /book an appointment/.test(last.content ?? '')) {
    return { toolCalls: [{ name: 'findAvailableSlots', arguments: {} }] };
  }
  if (last.role === 'tool' && slots && toolResults.length === 1) {
    return { text: 'The first free slot is on Monday morning. Shall I book it?' };
  }
  if (last.role === 'user' && /yes/i.test(last.content ?? '')) {
    return { toolCalls: [{ name: 'bookAppointment', arguments: { startsAt: slots[0]?.startsAt } }] };
  }
  if (last.role === 'tool' && toolResults.length === 2) {
    return { text: 'You are booked. Goodbye!', toolCalls: [{ name: 'endCall', arguments: {} }] };
  }
  if (last.role === 'user' && /tell me everything/i.test(last.content ?? '')) {
    return { text: LONG_REPLY };
  }
  if (last.role === 'user' && /speak to a person/i.test(last.content ?? '')) {
    return { text: 'Let me put you through.', toolCalls: [{ name: 'transferToHuman', arguments: {} }] };
  }
  return { text: 'Okay.' };
}

const HUMAN = '+14155550199';

const LONG_REPLY =
  'We offer general consultations on weekdays from nine to five. ' +
  'Appointments last thirty minutes and can be booked, moved or cancelled by phone. ' +
  'Our team can also send you a reminder the day before your visit. ' +
  'Parking is available behind the building and the entrance is on the left side.';

describe('inbound calls end to end (real socket, workflow and Postgres; simulated vendors)', () => {
  let platform: TestPlatform;
  let deepgram: SimDeepgram;
  let openai: OpenAiSim;
  let eleven: ElevenLabsSim;
  let realtime: FastifyInstance;
  let baseUrl: string;
  let metrics: CallMetrics;
  let twilioRest: SimTwilioRest;

  beforeAll(async () => {
    // Twilio's REST side, shared with the simulated caller: a transfer there ends the stream.
    twilioRest = await createSimTwilioRest({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, logger });
    const callControl = createTwilioCallControl({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      baseUrl: await twilioRest.listen(),
      logger,
    });
    // The signed URLs must be known before the routes exist: pick the port first.
    const port = await findFreePort('127.0.0.1');
    baseUrl = `http://127.0.0.1:${port}`;
    platform = await startTestPlatform({
      name: 'e2e-booking',
      callControl,
      recordingStatusCallbackUrl: `${baseUrl}/twilio/recording-status`,
    });
    await seedDefaultAgent(platform.prisma);
    deepgram = await startSimDeepgram({ transcripts: ['I would like to book an appointment', 'Yes please'] });
    openai = await startOpenAiSim({ script: receptionist, firstTokenDelayMs: 20 });
    eleven = await startElevenLabsSim({ firstByteDelayMs: 20 });
    metrics = createCallMetrics();
    realtime = await startTestRealtimeNode({
      platform,
      port,
      authToken: AUTH_TOKEN,
      vendors: { deepgramUrl: deepgram.baseUrl, openai, eleven },
      logger,
      nodeId: 'e2e',
      metrics,
      transferTo: HUMAN,
    });
  });

  afterAll(async () => {
    await realtime?.close();
    await Promise.allSettled([deepgram?.close(), openai?.close(), eleven?.close(), twilioRest?.close()]);
    await platform?.close();
  });

  it('greets, looks up slots, books once through the workflow, says goodbye and hangs up', async () => {
    const call = await placeSimCall({
      voiceUrl: `${baseUrl}/twilio/voice`,
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: '+14155552671',
      to: '+14155550100',
      script: [
        { say: 'I would like to book an appointment', afterAgentSilenceMs: 400 },
        { say: 'Yes please', afterAgentSilenceMs: 400 },
      ],
      logger,
      stepTimeoutMs: 30_000,
    });
    const timeline = await call.done;
    if (process.env.E2E_DEBUG) {
      for (const r of openai.requests) console.log(JSON.stringify(r.body.messages.slice(1)));
      console.log(JSON.stringify(timeline.said), JSON.stringify(timeline.events.slice(0, 40)));
    }
    expect(timeline.wavHeaders).toBe(0);
    expect(timeline.agentBytesPlayed).toBeGreaterThan(8000);

    const state = await platform.client.workflow.getHandle(callWorkflowId(call.callSid)).result();
    expect(state).toMatchObject({ phase: 'ended', outcome: 'booked', appointmentIds: [expect.any(String)] });
    const appointments = await platform.prisma.appointment.findMany({
      where: { createdByCall: { callSid: call.callSid } },
    });
    expect(appointments).toHaveLength(1);

    const dbCall = await platform.prisma.call.findUniqueOrThrow({
      where: { callSid: call.callSid },
      include: { turns: { orderBy: { sequence: 'asc' } } },
    });
    const said = dbCall.turns.filter((t) => t.role === 'user').map((t) => t.heardText);
    expect(said).toEqual(['I would like to book an appointment', 'Yes please']);
    const agentTurns = dbCall.turns.filter((t) => t.role === 'assistant');
    expect(agentTurns[0]?.heardText).toBe('Hello, how can I help?');
    expect(agentTurns.some((t) => t.llmFirstTokenMs !== null)).toBe(true);

    // The same turns feed the node's Prometheus metrics.
    const exposition = await (await fetch(`${baseUrl}/metrics`)).text();
    const firstToken = /switchboard_turn_latency_ms_count\{stage="llm_first_token"\} (\d+)/.exec(exposition);
    expect(Number(firstToken?.[1])).toBeGreaterThanOrEqual(2);
    expect(exposition).toMatch(/switchboard_live_calls 0/);
    expect(exposition).toMatch(/switchboard_agent_turns_total [1-9]/);
  });

  it('refuses a media stream upgrade that Twilio did not sign', async () => {
    const url = `${baseUrl.replace('http', 'ws')}/twilio/media`;
    const statusOf = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', reject);
      });
    expect(await statusOf({})).toBe(403);
    expect(await statusOf({ 'x-twilio-signature': signTwilioRequest('wrong-token', url, {}) })).toBe(403);
    expect(await statusOf({ 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, url, {}) })).toBe(101);
  });

  it('stops talking when the caller barges in and keeps only what the caller heard', async () => {
    deepgram.enqueue('Tell me everything about your services', 'Stop please');
    const call = await placeSimCall({
      voiceUrl: `${baseUrl}/twilio/voice`,
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: '+14155552672',
      to: '+14155550100',
      script: [
        { say: 'Tell me everything about your services', afterAgentSilenceMs: 400 },
        { say: 'Stop please', afterAgentSpeechMs: 2500 },
        { hangUp: true, afterAgentSilenceMs: 1000 },
      ],
      logger,
      stepTimeoutMs: 30_000,
    });
    const timeline = await call.done;
    expect(timeline.events.some((e) => e.type === 'clear')).toBe(true);
    await platform.client.workflow.getHandle(callWorkflowId(call.callSid)).result();

    const turns = await platform.prisma.turn.findMany({
      where: { call: { callSid: call.callSid } },
      orderBy: { sequence: 'asc' },
    });
    const cut = turns.find((t) => t.role === 'assistant' && t.interrupted);
    expect(cut?.generatedText).toBe(LONG_REPLY);
    expect(cut?.heardText.length).toBeGreaterThan(0);
    expect(cut?.heardText.length).toBeLessThan(LONG_REPLY.length / 2);
    expect(LONG_REPLY.startsWith(cut?.heardText ?? '-')).toBe(true);

    // The model's next request carries only the heard part of the interrupted reply.
    const next = openai.requests.at(-1)?.body.messages ?? [];
    const assistantTexts = next.filter((m) => m.role === 'assistant').map((m) => String(m.content ?? ''));
    expect(assistantTexts).toContain(cut?.heardText);
    expect(assistantTexts).not.toContain(LONG_REPLY);
    expect(next.at(-1)).toMatchObject({ role: 'user', content: 'Stop please' });
  });

  it('hands the caller to a human through Twilio and records the transfer', async () => {
    deepgram.enqueue('I want to speak to a person');
    const call = await placeSimCall({
      voiceUrl: `${baseUrl}/twilio/voice`,
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: '+14155552674',
      to: '+14155550100',
      script: [
        { say: 'I want to speak to a person', afterAgentSilenceMs: 400 },
        { hangUp: true, afterMs: 30_000 },
      ],
      logger,
      registry: twilioRest.registry,
      stepTimeoutMs: 40_000,
    });
    await call.done;
    const state = await platform.client.workflow.getHandle(callWorkflowId(call.callSid)).result();
    expect(state).toMatchObject({ phase: 'ended', outcome: 'transferred', transferredTo: HUMAN });
    const updates = twilioRest.registry.updates.filter((u) => u.sid === call.callSid);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.twiml).toContain(`<Dial>${HUMAN}</Dial>`);
  });

  it('records the call of an agent that records: disclosure first, recording stored until completed', async () => {
    await platform.prisma.agent.create({
      data: {
        name: 'Recorded line',
        systemPrompt: 'You help.',
        greeting: 'Hello, how can I help?',
        voice: 'sim-voice',
        ttsModel: 'sim',
        sttModel: 'sim',
        recordCalls: true,
        recordingDisclosure: 'This call is recorded.',
        phoneNumbers: { create: { phone: '+14155550166' } },
      },
    });
    const call = await placeSimCall({
      voiceUrl: `${baseUrl}/twilio/voice`,
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: '+14155552675',
      to: '+14155550166',
      script: [{ hangUp: true, afterAgentSilenceMs: 400 }],
      logger,
      registry: twilioRest.registry,
      stepTimeoutMs: 30_000,
    });
    await call.done;
    await platform.client.workflow.getHandle(callWorkflowId(call.callSid)).result();
    const recordings = twilioRest.recordings.forCall(call.callSid);
    expect(recordings).toHaveLength(1);
    expect(recordings[0]?.channels).toBe(2);
    // Twilio reports the finished recording after the call ends, through the signed webhook.
    await vi.waitFor(
      async () => {
        const row = await platform.prisma.call.findUniqueOrThrow({ where: { callSid: call.callSid } });
        expect(row).toMatchObject({ recordingSid: recordings[0]?.sid, recordingStatus: 'completed' });
        expect(row.recordingUrl).toContain(`/Recordings/${recordings[0]?.sid}`);
      },
      { timeout: 10_000, interval: 100 },
    );
    const turns = await platform.prisma.turn.findMany({
      where: { call: { callSid: call.callSid }, role: 'assistant' },
      orderBy: { sequence: 'asc' },
    });
    expect(turns[0]?.heardText).toBe('This call is recorded. Hello, how can I help?');
  });
});
