import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CrmSettings } from '../activities/crm-activities.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createDeepgramStt } from '../providers/deepgram/stt.ts';
import { createDeepgramAuraTts } from '../providers/deepgram/tts-aura.ts';
import { createElevenLabsTts } from '../providers/elevenlabs/tts.ts';
import { createNodeFetch } from '../providers/http/node-fetch.ts';
import { createOpenAiCallAnalyzer } from '../providers/openai/call-analysis.ts';
import { createOpenAiLlm } from '../providers/openai/llm.ts';
import type {
  CallAnalyzer,
  CallControl,
  LanguageModel,
  Messaging,
  OutboundDialer,
  SpeechToText,
  TextToSpeech,
} from '../providers/ports.ts';
import { createFailoverTts } from '../providers/tts-failover.ts';
import { createTwilioCallControl } from '../providers/twilio/call-control.ts';
import { createTwilioDialer } from '../providers/twilio/dialer.ts';
import { createTwilioMessaging } from '../providers/twilio/messaging.ts';
import { startSimDeepgram } from '../sim/deepgram/server.ts';
import { startElevenLabsSim } from '../sim/elevenlabs/server.ts';
import { startOpenAiSim } from '../sim/openai/server.ts';
import { exampleFromSchema, jsonSchemaFormat } from '../sim/openai/structured.ts';
import { SimOutbound } from '../sim/twilio/outbound.ts';
import { createSimCallRegistry, createSimTwilioRest } from '../sim/twilio/rest.ts';
import { provideCrmVendors } from './crm-vendors.ts';

/**
 * The vendor adapters a deployment uses. Each vendor with a key configured is the real one; each
 * without is a simulated vendor started here on loopback, speaking the same wire protocol to
 * the same adapter code, and named in `simulated` so start-up says so.
 */
export interface Vendors {
  stt: SpeechToText;
  llm: LanguageModel;
  /** A fresh failover pair per call: the switch to the fallback is sticky for that call only. */
  tts(onSwitch?: () => void): TextToSpeech;
  callControl: CallControl;
  dialer: OutboundDialer;
  /** Post-call analysis (structured output) on the same OpenAI-compatible endpoint. */
  callAnalyzer: CallAnalyzer;
  crm: CrmSettings;
  /** SMS (appointment reminders) through Twilio Messages. */
  messaging: Messaging;
  twilio: { accountSid: string; authToken: string; restUrl?: string };
  simulated: string[];
  stop(): Promise<void>;
}

const SIM_ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const SIM_ANALYSIS = {
  summary: 'Simulated analysis: no OpenAI key is configured.',
  sentiment: 'neutral',
  outcome: 'info_only',
};
const TTS_FIRST_BYTE_TIMEOUT_MS = 1500;

/** Where the simulated Twilio account is written, so `npm run demo:call` can sign as Twilio. */
export const SIM_TWILIO_FILE = 'simulated-twilio.json';

export async function provideVendors(config: Config, logger: Logger): Promise<Vendors> {
  const stops: (() => Promise<void>)[] = [];
  const simulated: string[] = [];
  const log = (name: string) => logger.child({ component: name });
  const v = config.vendors;

  let deepgram = { apiKey: v.deepgram.apiKey, baseUrl: undefined as string | undefined };
  if (!deepgram.apiKey) {
    const sim = await startSimDeepgram({ logger: log('sim-deepgram'), fallbackText: 'hello' });
    stops.push(() => sim.close());
    deepgram = { apiKey: 'simulated', baseUrl: sim.baseUrl };
    simulated.push('deepgram');
  }
  let openai = { apiKey: v.openai.apiKey, baseUrl: v.openai.baseUrl };
  if (!openai.apiKey) {
    const sim = await startOpenAiSim({
      logger: log('sim-openai'),
      script: (request) => {
        const format = jsonSchemaFormat(request.body.response_format);
        // Post-call analysis asks for JSON; say plainly that it is simulated.
        if (format && typeof format !== 'string')
          return { json: exampleFromSchema(format.schema, SIM_ANALYSIS) };
        return { text: 'I heard you. This is a simulated agent.' };
      },
    });
    stops.push(() => sim.close());
    openai = { apiKey: sim.apiKey, baseUrl: sim.url };
    simulated.push('openai');
  }
  let eleven = { apiKey: v.elevenlabs.apiKey, baseUrl: undefined as string | undefined };
  if (!eleven.apiKey) {
    const sim = await startElevenLabsSim({ logger: log('sim-elevenlabs') });
    stops.push(() => sim.close());
    eleven = { apiKey: sim.apiKey, baseUrl: sim.url };
    simulated.push('elevenlabs');
  }
  let twilio = {
    accountSid: v.twilio.accountSid,
    authToken: v.twilio.authToken,
    restUrl: undefined as string | undefined,
  };
  if (!twilio.accountSid || !twilio.authToken) {
    const authToken = randomBytes(16).toString('hex');
    const registry = createSimCallRegistry(SIM_ACCOUNT_SID);
    // Simulated callees pick up, say hello and hang up when the agent has spoken.
    const outbound = new SimOutbound({
      accountSid: SIM_ACCOUNT_SID,
      authToken,
      registry,
      logger: log('sim-twilio-outbound'),
      defaultScenario: {
        kind: 'answer',
        script: [
          { say: 'Hello?', afterAgentSilenceMs: 600 },
          { hangUp: true, afterAgentSilenceMs: 1500 },
        ],
      },
    });
    const sim = await createSimTwilioRest({
      accountSid: SIM_ACCOUNT_SID,
      authToken,
      registry,
      outbound,
      logger: log('sim-twilio'),
    });
    const restUrl = await sim.listen();
    stops.push(async () => {
      await sim.close();
      await outbound.close();
    });
    twilio = { accountSid: SIM_ACCOUNT_SID, authToken, restUrl };
    simulated.push('twilio');
    const file = path.join(config.dataDir, SIM_TWILIO_FILE);
    await fs.mkdir(config.dataDir, { recursive: true });
    await fs.writeFile(file, JSON.stringify({ accountSid: SIM_ACCOUNT_SID, authToken }), { mode: 0o600 });
    stops.push(() => fs.rm(file, { force: true }));
  }

  const voice = createVoiceAdapters(
    {
      deepgram: { apiKey: deepgram.apiKey as string, baseUrl: deepgram.baseUrl },
      openai: { apiKey: openai.apiKey as string, baseUrl: openai.baseUrl, model: v.openai.model },
      elevenlabs: { apiKey: eleven.apiKey as string, baseUrl: eleven.baseUrl },
    },
    logger,
  );
  const twilioOptions = {
    accountSid: twilio.accountSid as string,
    authToken: twilio.authToken as string,
    baseUrl: twilio.restUrl,
    logger: log('twilio'),
  };
  const crm = await provideCrmVendors(config.crm, logger);
  stops.push(() => crm.stop());
  if (crm.simulated) simulated.push('crm');
  const callAnalyzer = createOpenAiCallAnalyzer({
    apiKey: openai.apiKey as string,
    baseUrl: openai.baseUrl,
    model: config.postCall.model ?? v.openai.model,
    logger: log('call-analysis'),
  });
  const messaging = createTwilioMessaging({
    accountSid: twilio.accountSid as string,
    authToken: twilio.authToken as string,
    baseUrl: twilio.restUrl,
    logger: log('twilio'),
  });
  return {
    ...voice,
    callControl: createTwilioCallControl(twilioOptions),
    dialer: createTwilioDialer(twilioOptions),
    callAnalyzer,
    crm: crm.settings,
    messaging,
    twilio: {
      accountSid: twilio.accountSid as string,
      authToken: twilio.authToken as string,
      restUrl: twilio.restUrl,
    },
    simulated,
    async stop() {
      await Promise.allSettled(stops.map((s) => s()));
    },
  };
}

/** Where each voice vendor answers: the real service (no baseUrl) or a simulated one. */
export interface VoiceEndpoints {
  deepgram: { apiKey: string; baseUrl?: string };
  openai: { apiKey: string; baseUrl?: string; model: string };
  elevenlabs: { apiKey: string; baseUrl?: string };
  /** How long ElevenLabs may take to its first byte before Deepgram Aura takes over. */
  ttsFirstByteTimeoutMs?: number;
}

/**
 * The STT, LLM and TTS adapters of a realtime node: Deepgram live, OpenAI-compatible chat, and
 * ElevenLabs with Aura as the per-call sticky fallback. Production, tests and benchmarks all
 * build the voice path here, so they exercise the same wiring.
 */
export function createVoiceAdapters(
  endpoints: VoiceEndpoints,
  logger: Logger,
): Pick<Vendors, 'stt' | 'llm' | 'tts'> {
  const log = (name: string) => logger.child({ component: name });
  const { deepgram, openai, elevenlabs } = endpoints;
  // Both requests of a turn wait on the transport while the caller hears silence.
  const fetch = createNodeFetch();
  const aura = createDeepgramAuraTts({ ...deepgram, logger: log('tts-aura') });
  const primary = createElevenLabsTts({ ...elevenlabs, logger: log('tts'), fetch });
  return {
    stt: createDeepgramStt({ ...deepgram, logger: log('stt') }),
    llm: createOpenAiLlm({ ...openai, logger: log('llm'), fetch }),
    tts: (onSwitch) =>
      createFailoverTts({
        primary,
        fallback: aura,
        firstByteTimeoutMs: endpoints.ttsFirstByteTimeoutMs ?? TTS_FIRST_BYTE_TIMEOUT_MS,
        logger: log('tts'),
        onSwitch: () => onSwitch?.(),
      }),
  };
}
