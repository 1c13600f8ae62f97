import type { FastifyInstance } from 'fastify';
import { saveRecordingStatus } from '../../src/db/recordings.ts';
import { createLogger } from '../../src/logger.ts';
import { createHealthChecker } from '../../src/platform/health.ts';
import { createVoiceAdapters } from '../../src/platform/vendors.ts';
import { createTwilioCallControl } from '../../src/providers/twilio/call-control.ts';
import { createTwilioDialer } from '../../src/providers/twilio/dialer.ts';
import { verifyTwilioSignature } from '../../src/providers/twilio/signature.ts';
import { buildRealtime } from '../../src/realtime/app.ts';
import { createCallFactory } from '../../src/realtime/call-factory.ts';
import { createStreamTokens } from '../../src/realtime/media/stream-token.ts';
import { createCallSession } from '../../src/realtime/session/call-session.ts';
import { type SimDeepgram, startSimDeepgram } from '../../src/sim/deepgram/server.ts';
import { type ElevenLabsSim, startElevenLabsSim } from '../../src/sim/elevenlabs/server.ts';
import { type OpenAiSim, type OpenAiSimScript, startOpenAiSim } from '../../src/sim/openai/server.ts';
import {
  type OutboundScenario,
  SimOutbound,
  type SimOutboundOptions,
} from '../../src/sim/twilio/outbound.ts';
import { createSimCallRegistry, createSimTwilioRest, type SimTwilioRest } from '../../src/sim/twilio/rest.ts';
import { findFreePort } from '../../src/temporal/ports.ts';
import type { OutboundCallInput } from '../../src/workflows/outbound/contract.ts';
import { outboundCallWorkflow } from '../../src/workflows/outbound/outbound-workflow.ts';
import { startTestPlatform, type TestPlatform } from './platform.ts';

export const ACCOUNT_SID = `AC${'2'.repeat(32)}`;
export const AUTH_TOKEN = 'outbound-auth-token-0123456789ab';
export const CALLER_ID = '+14155550100';

export interface OutboundHarness {
  platform: TestPlatform;
  sim: SimOutbound;
  rest: SimTwilioRest;
  restUrl: string;
  deepgram: SimDeepgram;
  openai: OpenAiSim;
  /** The realtime node's origin (Twilio's webhooks and the media socket). */
  baseUrl: string;
  /** Starts an outbound call workflow on the platform's task queue (or `taskQueue`). */
  dial(
    workflowId: string,
    input: Partial<OutboundCallInput> & { to: string },
    taskQueue?: string,
  ): ReturnType<TestPlatform['client']['workflow']['start']>;
  close(): Promise<void>;
}

/**
 * Everything an outbound call touches, on loopback: the simulated Twilio (REST + dial scenarios),
 * a worker that dials through the official SDK, and a realtime node with the real webhooks, media
 * socket and call session over simulated STT, LLM and TTS.
 */
export async function startOutboundHarness(options: {
  name: string;
  scenarios?: Record<string, OutboundScenario>;
  defaultScenario?: OutboundScenario;
  llm?: OpenAiSimScript;
  onAccepted?: SimOutboundOptions['onAccepted'];
}): Promise<OutboundHarness> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const port = await findFreePort('127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const registry = createSimCallRegistry(ACCOUNT_SID);
  const sim = new SimOutbound({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    logger,
    registry,
    scenarios: options.scenarios,
    defaultScenario: options.defaultScenario,
    onAccepted: options.onAccepted,
  });
  const rest = await createSimTwilioRest({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    logger,
    registry,
    outbound: sim,
  });
  const restUrl = await rest.listen();
  const twilioOptions = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: restUrl, logger };
  const platform = await startTestPlatform({
    name: options.name,
    callControl: createTwilioCallControl(twilioOptions),
    dialer: createTwilioDialer(twilioOptions),
    publicBaseUrl: baseUrl,
  });
  const deepgram = await startSimDeepgram({ fallbackText: 'hello' });
  const openai = await startOpenAiSim({
    script: options.llm ?? (() => ({ text: 'Okay.' })),
    firstTokenDelayMs: 20,
  });
  const eleven: ElevenLabsSim = await startElevenLabsSim({ firstByteDelayMs: 20 });
  const realtime = await startRealtime({ platform, port, deepgram, openai, eleven, logger });
  return {
    platform,
    sim,
    rest,
    restUrl,
    deepgram,
    openai,
    baseUrl,
    dial: (workflowId, input, taskQueue) =>
      platform.client.workflow.start(outboundCallWorkflow, {
        taskQueue: taskQueue ?? platform.taskQueue,
        workflowId,
        args: [{ from: CALLER_ID, ...input }],
      }),
    async close() {
      await realtime.close();
      await sim.close();
      await Promise.allSettled([deepgram.close(), openai.close(), eleven.close(), rest.close()]);
      await platform.close();
    },
  };
}

async function startRealtime(parts: {
  platform: TestPlatform;
  port: number;
  deepgram: SimDeepgram;
  openai: OpenAiSim;
  eleven: ElevenLabsSim;
  logger: ReturnType<typeof createLogger>;
}): Promise<FastifyInstance> {
  const { platform, port, logger } = parts;
  const tokens = createStreamTokens({ secret: 'outbound-stream-token-secret', ttlMs: 60_000 });
  const health = createHealthChecker({});
  const createCall = createCallFactory({
    client: platform.client,
    prisma: platform.prisma,
    ...createVoiceAdapters(
      {
        deepgram: { apiKey: 'sim', baseUrl: parts.deepgram.baseUrl },
        openai: { apiKey: parts.openai.apiKey, baseUrl: parts.openai.url, model: 'sim' },
        elevenlabs: { apiKey: parts.eleven.apiKey, baseUrl: parts.eleven.url },
        ttsFirstByteTimeoutMs: 2000,
      },
      logger,
    ),
    logger,
    createSession: createCallSession,
    businessName: 'Acme Dental',
  });
  const app = await buildRealtime({
    logger,
    health,
    readiness: health,
    twilio: {
      client: platform.client,
      taskQueue: platform.taskQueue,
      authToken: AUTH_TOKEN,
      publicBaseUrl: `http://127.0.0.1:${port}`,
      tokens,
      saveRecordingStatus: (update) => saveRecordingStatus(platform.prisma, update),
    },
    media: {
      tokens,
      client: platform.client,
      logger,
      createCall,
      nodeId: 'outbound-test',
      heartbeatIntervalMs: 1000,
      verifyUpgrade: ({ url, signature }) =>
        verifyTwilioSignature({
          authToken: AUTH_TOKEN,
          url: `ws://127.0.0.1:${port}${url}`,
          params: {},
          signature,
        }),
    },
  });
  await app.listen({ host: '127.0.0.1', port });
  return app;
}

/** An agent that calls on a campaign's behalf: its greeting uses the campaign's variables. */
export function seedCampaignAgent(platform: TestPlatform) {
  return platform.prisma.agent.create({
    data: {
      name: 'Campaign caller',
      systemPrompt: 'You call {{first_name}} about {{topic}} for {{business_name}}.',
      greeting: 'Hi {{first_name}}, this is {{business_name}} calling about your {{topic}}.',
      voice: 'sim-voice',
      ttsModel: 'sim',
      sttModel: 'sim',
      isDefault: true,
      enabledTools: ['endCall', 'optOut'],
    },
  });
}

/** A campaign with one contact, as the campaign engineer's tables hold them. */
export async function seedCampaignContact(platform: TestPlatform, agentId: string, phone: string) {
  const campaign = await platform.prisma.campaign.create({
    data: { name: `campaign ${phone}`, agentId, callerId: CALLER_ID, promptVariables: { topic: 'checkup' } },
  });
  const contact = await platform.prisma.campaignContact.create({
    data: { campaignId: campaign.id, phone, timeZone: 'America/New_York', variables: { first_name: 'Dana' } },
  });
  return { campaign, contact };
}
