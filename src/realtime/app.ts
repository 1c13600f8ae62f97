import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.ts';
import { type HealthRoutesOptions, healthRoutes } from '../platform/health-routes.ts';

export interface RealtimeDeps extends HealthRoutesOptions {
  logger: Logger;
}

/**
 * The realtime node: Twilio webhooks and the Media Streams socket arrive here (live-call issue).
 * For now it serves its health so a load balancer can route to it.
 */
export async function buildRealtime(deps: RealtimeDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: 64 * 1024 });
  await app.register(healthRoutes, { health: deps.health, readiness: deps.readiness });
  return app;
}
