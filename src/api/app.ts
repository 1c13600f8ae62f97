import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.ts';
import { type HealthRoutesOptions, healthRoutes } from '../platform/health-routes.ts';

export interface ApiDeps extends HealthRoutesOptions {
  logger: Logger;
}

/** Builds the admin API without listening, so tests can drive it with `inject()`. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: 1_048_576 });
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    // 5xx bodies never carry internals: the log has them, keyed by request id.
    const message = status >= 500 ? 'internal error' : err.message;
    return reply.code(status).send({ error: { status, message, requestId: req.id } });
  });
  await app.register(healthRoutes, { health: deps.health, readiness: deps.readiness });
  return app;
}
