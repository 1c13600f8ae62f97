import type { FastifyInstance } from 'fastify';
import { saveRecordingStatus } from '../../src/db/recordings.ts';
import { createHealthChecker } from '../../src/platform/health.ts';
import { createVoiceAdapters } from '../../src/platform/vendors.ts';
import { buildRealtime } from '../../src/realtime/app.ts';
import { createCallFactory } from '../../src/realtime/call-factory.ts';
import { createStreamTokens } from '../../src/realtime/media/stream-token.ts';
import { createCallSession } from '../../src/realtime/session/call-session.ts';
import type { CallSession, CallSessionDeps } from '../../src/realtime/session/types.ts';
import { startSimDeepgram } from '../../src/sim/deepgram/server.ts';
import { startElevenLabsSim } from '../../src/sim/elevenlabs/server.ts';
import { type OpenAiSimScript, startOpenAiSim } from '../../src/sim/openai/server.ts';
import { findFreePort } from '../../src/temporal/ports.ts';
import type { BenchPlatform } from './platform.ts';

export const ACCOUNT_SID = `AC${'b'.repeat(32)}`;
export const AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';

export interface RealtimeNodeOptions {
  /** Delays the simulated vendors inject; subtracted from what the caller measures. */
  llmFirstTokenDelayMs: number;
  ttsFirstByteDelayMs: number;
  /** What the simulated STT "hears" in every utterance. */
  heardText: string;
  llmScript: OpenAiSimScript;
  /** Wraps every call session as it is created (instrumentation); identity by default. */
  wrapSession?: (deps: CallSessionDeps, create: (deps: CallSessionDeps) => CallSession) => CallSession;
}

export interface RealtimeNode {
  /** The incoming-call webhook URL, as the simulated caller must sign it. */
  voiceUrl: string;
}

/**
 * The realtime node as test/e2e/inbound-call.e2e.test.ts builds it: real webhooks, media
 * socket, call factory, call session and vendor adapters, the adapters pointed at the simulated
 * Deepgram (live STT, Aura fallback), OpenAI and ElevenLabs servers on loopback. Everything it
 * opens is registered with the platform's cleanup.
 */
export async function startRealtimeNode(
  platform: BenchPlatform,
  options: RealtimeNodeOptions,
): Promise<RealtimeNode> {
  const { logger, cleanup } = platform;
  const deepgram = await startSimDeepgram({ fallbackText: options.heardText });
  cleanup.add('sim deepgram', () => deepgram.close());
  const openai = await startOpenAiSim({
    script: options.llmScript,
    firstTokenDelayMs: options.llmFirstTokenDelayMs,
  });
  cleanup.add('sim openai', () => openai.close());
  const eleven = await startElevenLabsSim({ firstByteDelayMs: options.ttsFirstByteDelayMs });
  cleanup.add('sim elevenlabs', () => eleven.close());

  const tokens = createStreamTokens({ secret: 'bench-stream-token-secret', ttlMs: 60_000 });
  const health = createHealthChecker({});
  const wrap = options.wrapSession;
  const createCall = createCallFactory({
    client: platform.client,
    prisma: platform.prisma,
    ...createVoiceAdapters(
      {
        deepgram: { apiKey: 'sim', baseUrl: deepgram.baseUrl },
        openai: { apiKey: openai.apiKey, baseUrl: openai.url, model: 'sim' },
        elevenlabs: { apiKey: eleven.apiKey, baseUrl: eleven.url },
      },
      logger,
    ),
    logger,
    createSession: wrap ? (deps) => wrap(deps, createCallSession) : createCallSession,
  });
  // The signed URL must be known before the routes exist: pick the port first.
  const port = await findFreePort('127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const app: FastifyInstance = await buildRealtime({
    logger,
    health,
    readiness: health,
    twilio: {
      client: platform.client,
      taskQueue: platform.taskQueue,
      authToken: AUTH_TOKEN,
      publicBaseUrl: baseUrl,
      tokens,
      saveRecordingStatus: (update) => saveRecordingStatus(platform.prisma, update),
    },
    media: { tokens, client: platform.client, logger, createCall, nodeId: 'bench' },
  });
  cleanup.add('realtime node', () => app.close());
  await app.listen({ host: '127.0.0.1', port });
  return { voiceUrl: `${baseUrl}/twilio/voice` };
}
