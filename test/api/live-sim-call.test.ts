import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/app.ts';
import { type CallEventFeed, createPgCallEventFeed } from '../../src/api/live/call-events.ts';
import { createApiKey } from '../../src/api/routes/keys.ts';
import { createLogger } from '../../src/logger.ts';
import { createHealthChecker } from '../../src/platform/health.ts';
import { createTwilioCallControl } from '../../src/providers/twilio/call-control.ts';
import { createCallMetrics } from '../../src/realtime/call-metrics.ts';
import { type SimDeepgram, startSimDeepgram } from '../../src/sim/deepgram/server.ts';
import { type ElevenLabsSim, startElevenLabsSim } from '../../src/sim/elevenlabs/server.ts';
import { type OpenAiSim, type RecordedChatRequest, startOpenAiSim } from '../../src/sim/openai/server.ts';
import { placeSimCall } from '../../src/sim/twilio/caller.ts';
import { createSimTwilioRest, type SimTwilioRest } from '../../src/sim/twilio/rest.ts';
import { findFreePort } from '../../src/temporal/ports.ts';
import { callWorkflowId } from '../../src/workflows/call/contract.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { startTestRealtimeNode } from '../support/realtime-node.ts';
import { openEventStream } from './sse-client.ts';

const ACCOUNT_SID = `AC${'2'.repeat(32)}`;
const AUTH_TOKEN = 'live-sim-auth-token-0123456789ab';
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const SAID = ['Hello, are you open on Saturdays', 'Where can I park', 'Thanks, goodbye'];

/** The simulated model: answers each question, says goodbye and ends the call on the last. */
function model(request: RecordedChatRequest) {
  const last = request.body.messages.at(-1) as { role: string; content?: string };
  if (last.role === 'user' && /goodbye/i.test(last.content ?? ''))
    return { text: 'Goodbye!', toolCalls: [{ name: 'endCall', arguments: {} }] };
  if (last.role === 'user' && /park/i.test(last.content ?? '')) return { text: 'Behind the building.' };
  if (last.role === 'user') return { text: 'Yes, from nine to one.' };
  return { text: 'Okay.' };
}

/**
 * The live transcript fed by a real call: a simulated caller talks to the realtime node (simulated
 * Deepgram, OpenAI, ElevenLabs; real media socket, call workflow and Postgres) while a client reads
 * `/api/v1/calls/:id/live` from the admin API over HTTP. The turns the call session writes reach
 * the client through Postgres LISTEN/NOTIFY, in sequence order, and the stream ends with the call.
 */
describe('admin API: live transcript of a simulated call', () => {
  let platform: TestPlatform;
  let twilioRest: SimTwilioRest;
  let deepgram: SimDeepgram;
  let openai: OpenAiSim;
  let eleven: ElevenLabsSim;
  let realtime: FastifyInstance;
  let api: FastifyInstance;
  let feed: CallEventFeed;
  let voiceBase: string;
  let apiBase: string;
  let viewerKey: string;

  beforeAll(async () => {
    twilioRest = await createSimTwilioRest({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, logger });
    const callControl = createTwilioCallControl({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      baseUrl: await twilioRest.listen(),
      logger,
    });
    const port = await findFreePort('127.0.0.1');
    voiceBase = `http://127.0.0.1:${port}`;
    platform = await startTestPlatform({ name: 'api-live-sim', callControl });
    await seedDefaultAgent(platform.prisma);
    deepgram = await startSimDeepgram({ transcripts: SAID });
    openai = await startOpenAiSim({ script: model, firstTokenDelayMs: 20 });
    eleven = await startElevenLabsSim({ firstByteDelayMs: 20 });
    realtime = await startTestRealtimeNode({
      platform,
      port,
      authToken: AUTH_TOKEN,
      vendors: { deepgramUrl: deepgram.baseUrl, openai, eleven },
      logger,
      nodeId: 'api-live-sim',
      metrics: createCallMetrics(),
    });

    // The admin API as deployed beside it: same database, notifications over LISTEN/NOTIFY.
    feed = createPgCallEventFeed(platform.databaseUrl, logger);
    const apiHealth = createHealthChecker({});
    api = await buildApi({
      logger,
      prisma: platform.prisma,
      health: apiHealth,
      readiness: apiHealth,
      callEvents: feed,
    });
    await api.listen({ host: '127.0.0.1', port: 0 });
    apiBase = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    viewerKey = (await createApiKey(platform.prisma, { name: 'live reader', role: 'viewer' })).key;
  }, 180_000);

  afterAll(async () => {
    // A stream left open by a failed assertion must not hold the close.
    api?.server.closeAllConnections();
    await api?.close();
    await feed?.close();
    await realtime?.close();
    await Promise.allSettled([deepgram?.close(), openai?.close(), eleven?.close(), twilioRest?.close()]);
    await platform?.close();
  });

  it('streams the turns of the call in sequence order while it runs, then ends with it', async () => {
    const call = placeSimCall({
      voiceUrl: `${voiceBase}/twilio/voice`,
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: '+14155552671',
      to: '+14155550100',
      script: SAID.map((say) => ({ say, afterAgentSilenceMs: 400 })),
      registry: twilioRest.registry,
      logger,
      stepTimeoutMs: 30_000,
    });
    // The call row exists once media has started; subscribe as soon as it does.
    let row: { id: string } | null = null;
    const deadline = Date.now() + 60_000;
    while (!row && Date.now() < deadline) {
      row = await platform.prisma.call.findUnique({ where: { callSid: call.callSid }, select: { id: true } });
      if (!row) await new Promise((r) => setTimeout(r, 25));
    }
    if (!row) throw new Error('the call row never appeared');
    const storedBefore = await platform.prisma.turn.count({ where: { callId: row.id } });
    const stream = openEventStream(`${apiBase}/api/v1/calls/${row.id}/live`, {
      authorization: `Bearer ${viewerKey}`,
    });
    await stream.ready;
    expect(stream.status).toBe(200);
    // Still live while we read: the stream is open and the caller has not finished its script.
    expect(stream.closed).toBe(false);

    await call.done;
    await platform.client.workflow.getHandle(callWorkflowId(call.callSid)).result();
    await stream.until(() => stream.closed, 60_000);

    const turns = stream.events.filter((e) => e.event === 'turn');
    const stored = await platform.prisma.turn.findMany({
      where: { callId: row.id },
      orderBy: { sequence: 'asc' },
    });
    // Every stored turn, each once, in sequence order, then the end event, nothing after it.
    expect(turns.map((e) => Number(e.id))).toEqual(stored.map((t) => t.sequence));
    // Contiguous (the session numbers its turns from 1): nothing skipped between first and last.
    const first = stored[0]?.sequence ?? 0;
    expect(stored.map((t) => t.sequence)).toEqual(stored.map((_, i) => first + i));
    expect(stream.events.at(-1)?.event).toBe('end');
    const data = turns.map((e) => JSON.parse(e.data) as { role: string; heardText: string | null });
    expect(data.map((d) => [d.role, d.heardText])).toEqual(stored.map((t) => [t.role, t.heardText]));
    expect(data.filter((d) => d.role === 'user').map((d) => d.heardText)).toEqual(SAID);
    // Most turns were written after the client subscribed: they came through the notifications.
    expect(storedBefore).toBeLessThan(turns.length - 3);
  }, 180_000);
});
