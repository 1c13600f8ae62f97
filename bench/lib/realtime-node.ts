import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '../../src/db/client.ts';
import { saveRecordingStatus } from '../../src/db/recordings.ts';
import type { Logger } from '../../src/logger.ts';
import { createHealthChecker } from '../../src/platform/health.ts';
import { createVoiceAdapters, type VoiceEndpoints } from '../../src/platform/vendors.ts';
import { buildRealtime } from '../../src/realtime/app.ts';
import { createCallFactory } from '../../src/realtime/call-factory.ts';
import { createStreamTokens } from '../../src/realtime/media/stream-token.ts';
import { createCallSession } from '../../src/realtime/session/call-session.ts';
import type { CallSession, CallSessionDeps } from '../../src/realtime/session/types.ts';
import { startSimDeepgram } from '../../src/sim/deepgram/server.ts';
import { type ElevenLabsSim, startElevenLabsSim } from '../../src/sim/elevenlabs/server.ts';
import { type OpenAiSim, type OpenAiSimScript, startOpenAiSim } from '../../src/sim/openai/server.ts';
import { findFreePort } from '../../src/temporal/ports.ts';
import type { Cleanup } from './cleanup.ts';

export const ACCOUNT_SID = `AC${'b'.repeat(32)}`;
export const AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';

export type WrapSession = (
  deps: CallSessionDeps,
  create: (deps: CallSessionDeps) => CallSession,
) => CallSession;

export interface VoiceSimOptions {
  /** Delays the simulated vendors inject; subtracted from what the caller measures. */
  llmFirstTokenDelayMs: number;
  ttsFirstByteDelayMs: number;
  /** What the simulated STT "hears" in every utterance. */
  heardText: string;
  llmScript: OpenAiSimScript;
}

export interface RealtimeNodeOptions extends VoiceSimOptions {
  /** Wraps every call session as it is created (instrumentation); identity by default. */
  wrapSession?: WrapSession;
}

export interface VoiceSims {
  endpoints: VoiceEndpoints;
  /** Their request records carry the delays actually injected. */
  openai: OpenAiSim;
  eleven: ElevenLabsSim;
}

export interface RealtimeNode {
  /** The incoming-call webhook URL, as the simulated caller must sign it. */
  voiceUrl: string;
}

/** Simulated Deepgram (live STT, Aura fallback), OpenAI and ElevenLabs on loopback. */
export async function startVoiceSims(options: VoiceSimOptions, cleanup: Cleanup): Promise<VoiceSims> {
  const deepgram = await startSimDeepgram({ fallbackText: options.heardText });
  cleanup.add('sim deepgram', () => deepgram.close());
  const openai = await startOpenAiSim({
    script: options.llmScript,
    firstTokenDelayMs: options.llmFirstTokenDelayMs,
  });
  cleanup.add('sim openai', () => openai.close());
  const eleven = await startElevenLabsSim({ firstByteDelayMs: options.ttsFirstByteDelayMs });
  cleanup.add('sim elevenlabs', () => eleven.close());
  const endpoints: VoiceEndpoints = {
    deepgram: { apiKey: 'sim', baseUrl: deepgram.baseUrl },
    openai: { apiKey: openai.apiKey, baseUrl: openai.url, model: 'sim' },
    elevenlabs: { apiKey: eleven.apiKey, baseUrl: eleven.url },
  };
  return { endpoints, openai, eleven };
}

export interface RealtimeNodeDeps {
  client: Client;
  prisma: PrismaClient;
  taskQueue: string;
  logger: Logger;
  cleanup: Cleanup;
  endpoints: VoiceEndpoints;
  wrapSession?: WrapSession;
  nodeId: string;
}

/**
 * The realtime node as test/e2e/inbound-call.e2e.test.ts builds it: real webhooks, media
 * socket, call factory, call session and vendor adapters, the adapters pointed at `endpoints`.
 * Everything it opens is registered with `cleanup`.
 */
export async function buildRealtimeNode(deps: RealtimeNodeDeps): Promise<RealtimeNode> {
  const { logger, cleanup, client, prisma } = deps;
  const tokens = createStreamTokens({ secret: 'bench-stream-token-secret', ttlMs: 60_000 });
  const health = createHealthChecker({});
  const wrap = deps.wrapSession;
  const createCall = createCallFactory({
    client,
    prisma,
    ...createVoiceAdapters(deps.endpoints, logger),
    logger,
    createSession: wrap ? (sessionDeps) => wrap(sessionDeps, createCallSession) : createCallSession,
  });
  // The signed URL must be known before the routes exist: pick the port first.
  const port = await findFreePort('127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const app: FastifyInstance = await buildRealtime({
    logger,
    health,
    readiness: health,
    twilio: {
      client,
      taskQueue: deps.taskQueue,
      authToken: AUTH_TOKEN,
      publicBaseUrl: baseUrl,
      tokens,
      saveRecordingStatus: (update) => saveRecordingStatus(prisma, update),
    },
    media: { tokens, client, logger, createCall, nodeId: deps.nodeId },
  });
  cleanup.add('realtime node', () => app.close());
  await app.listen({ host: '127.0.0.1', port });
  return { voiceUrl: `${baseUrl}/twilio/voice` };
}
