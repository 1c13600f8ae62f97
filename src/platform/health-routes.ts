import type { FastifyInstance } from 'fastify';
import type { HealthChecker } from './health.ts';

export interface HealthRoutesOptions {
  /** Every dependency the process relies on, including the worker. */
  health: HealthChecker;
  /** What this process needs to serve requests; load balancers route on it. */
  readiness: HealthChecker;
}

/** Public, unauthenticated routes: `/health` (503 when a dependency is down) and `/ready`. */
export async function healthRoutes(app: FastifyInstance, opts: HealthRoutesOptions): Promise<void> {
  app.get('/health', async (_req, reply) => {
    const report = await opts.health.check();
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/ready', async (_req, reply) => {
    const report = await opts.readiness.check();
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
}
