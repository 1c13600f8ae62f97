import { createLogger } from '../../src/logger.ts';
import { createTwilioCallControl } from '../../src/providers/twilio/call-control.ts';
import { createTwilioDialer } from '../../src/providers/twilio/dialer.ts';
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
import { startTestRealtimeNode } from './realtime-node.ts';

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
  const realtime = await startTestRealtimeNode({
    platform,
    port,
    authToken: AUTH_TOKEN,
    vendors: { deepgramUrl: deepgram.baseUrl, openai, eleven },
    logger,
    nodeId: 'outbound-test',
    businessName: 'Acme Dental',
  });
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
