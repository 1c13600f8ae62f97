import formbody from '@fastify/formbody';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import { type HealthRoutesOptions, healthRoutes } from '../platform/health-routes.ts';
import { MAX_INBOUND_FRAME_BYTES } from './media/protocol.ts';
import { type MediaSocketDeps, mediaSocket } from './media-socket.ts';
import { type TwilioWebhookDeps, twilioWebhooks } from './twilio-webhooks.ts';

export interface RealtimeDeps extends HealthRoutesOptions {
  logger: Logger;
  /** Twilio's webhooks; absent on a node that only reports health (no telephony configured). */
  twilio?: TwilioWebhookDeps;
  /** The Media Streams socket that runs call sessions. */
  media?: MediaSocketDeps;
  /** Served at /metrics in Prometheus text format. */
  metrics?: Registry;
}

/** The realtime node: Twilio webhooks, the Media Streams socket, and health. */
export async function buildRealtime(deps: RealtimeDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: 64 * 1024 });
  await app.register(healthRoutes, { health: deps.health, readiness: deps.readiness });
  const { twilio, media, metrics } = deps;
  if (metrics) {
    app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
  }
  if (twilio) {
    // Encapsulated: the signature check applies to the Twilio routes only, not to health.
    await app.register(async (scope) => {
      await scope.register(formbody);
      await scope.register(twilioWebhooks, twilio);
    });
  }
  if (media) {
    // Twilio's frames are small JSON; the default 100 MiB limit would let one socket eat memory.
    await app.register(websocket, { options: { maxPayload: MAX_INBOUND_FRAME_BYTES } });
    await app.register(mediaSocket, media);
  }
  return app;
}
