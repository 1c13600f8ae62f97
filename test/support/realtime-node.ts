import type { FastifyInstance } from 'fastify';
import { saveRecordingStatus } from '../../src/db/recordings.ts';
import type { Logger } from '../../src/logger.ts';
import { createHealthChecker } from '../../src/platform/health.ts';
import { createVoiceAdapters } from '../../src/platform/vendors.ts';
import { verifyTwilioSignature } from '../../src/providers/twilio/signature.ts';
import { buildRealtime } from '../../src/realtime/app.ts';
import { createCallFactory } from '../../src/realtime/call-factory.ts';
import type { CallMetrics } from '../../src/realtime/call-metrics.ts';
import { createStreamTokens } from '../../src/realtime/media/stream-token.ts';
import { createCallSession } from '../../src/realtime/session/call-session.ts';
import type { ElevenLabsSim } from '../../src/sim/elevenlabs/server.ts';
import type { OpenAiSim } from '../../src/sim/openai/server.ts';
import type { TestPlatform } from './platform.ts';

/**
 * The realtime node as production wires it (webhooks, signed media upgrades, call sessions on
 * the shared voice adapters), listening on `port` of loopback against simulated vendors. The
 * port is chosen by the caller because Twilio signatures cover the public URL.
 */
export async function startTestRealtimeNode(options: {
  platform: TestPlatform;
  port: number;
  authToken: string;
  vendors: { deepgramUrl: string; openai: OpenAiSim; eleven: ElevenLabsSim };
  logger: Logger;
  nodeId: string;
  metrics?: CallMetrics;
  transferTo?: string;
  businessName?: string;
}): Promise<FastifyInstance> {
  const { platform, port, authToken, vendors, logger } = options;
  const tokens = createStreamTokens({ secret: `${options.nodeId}-stream-token-secret`, ttlMs: 60_000 });
  const health = createHealthChecker({});
  const createCall = createCallFactory({
    metrics: options.metrics,
    client: platform.client,
    prisma: platform.prisma,
    ...createVoiceAdapters(
      {
        deepgram: { apiKey: 'sim', baseUrl: vendors.deepgramUrl },
        openai: { apiKey: vendors.openai.apiKey, baseUrl: vendors.openai.url, model: 'sim' },
        elevenlabs: { apiKey: vendors.eleven.apiKey, baseUrl: vendors.eleven.url },
        ttsFirstByteTimeoutMs: 2000,
      },
      logger,
    ),
    logger,
    createSession: createCallSession,
    businessName: options.businessName,
  });
  const app = await buildRealtime({
    logger,
    health,
    readiness: health,
    twilio: {
      client: platform.client,
      taskQueue: platform.taskQueue,
      authToken,
      publicBaseUrl: `http://127.0.0.1:${port}`,
      tokens,
      saveRecordingStatus: (update) => saveRecordingStatus(platform.prisma, update),
      transferTo: options.transferTo,
    },
    metrics: options.metrics?.registry,
    media: {
      tokens,
      client: platform.client,
      logger,
      createCall,
      nodeId: options.nodeId,
      heartbeatIntervalMs: 1000,
      verifyUpgrade: ({ url, signature }) =>
        verifyTwilioSignature({ authToken, url: `ws://127.0.0.1:${port}${url}`, params: {}, signature }),
    },
  });
  await app.listen({ host: '127.0.0.1', port });
  return app;
}
