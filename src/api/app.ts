import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { type HealthRoutesOptions, healthRoutes } from '../platform/health-routes.ts';
import { createAuditLog } from './audit.ts';
import { installAuth } from './auth/authenticate.ts';
import { createRateLimiter, type RateLimitRule } from './auth/rate-limit.ts';
import type { Access } from './auth/roles.ts';
import { ApiError, errorBody, errorHandler } from './http/errors.ts';
import { createIdempotency } from './http/idempotency.ts';
import { createApiMetrics } from './http/metrics.ts';
import { Router } from './http/route.ts';
import { installSecurityHeaders } from './http/security.ts';
import { installTextBodies } from './http/text-body.ts';
import type { CallEventFeed } from './live/call-events.ts';
import { agentRoutes } from './routes/agents.ts';
import { appointmentRoutes } from './routes/appointments.ts';
import { callActionRoutes } from './routes/call-actions.ts';
import { callLiveRoutes } from './routes/call-live.ts';
import { callRoutes } from './routes/calls.ts';
import { campaignControlRoutes } from './routes/campaign-control.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { customerRoutes } from './routes/customers.ts';
import { deadLetterRoutes } from './routes/dead-letters.ts';
import { dncRoutes } from './routes/dnc.ts';
import { keyRoutes } from './routes/keys.ts';
import { opsRoutes } from './routes/ops.ts';
import { workflowRoutes } from './routes/workflows.ts';

export interface ApiSettings {
  corsOrigins: readonly string[];
  rateLimits: { read: RateLimitRule; mutate: RateLimitRule };
  metricsPublic: boolean;
  bodyLimitBytes: number;
  /** Temporal Web UI base URL, for links from a call to its workflow. */
  temporalUiUrl?: string;
  taskQueue: string;
  /** Largest contacts CSV a campaign upload may stream (bytes). */
  csvUploadLimitBytes: number;
  /** Per-key budgets of the costly starts: campaign starts; one-off calls and analysis re-runs. */
  strictLimits: { campaignStartsPerMinute: number; outboundPerMinute: number };
}

export const DEFAULT_API_SETTINGS: ApiSettings = {
  corsOrigins: [],
  rateLimits: { read: { perMinute: 600 }, mutate: { perMinute: 60 } },
  metricsPublic: false,
  bodyLimitBytes: 1_048_576,
  taskQueue: 'switchboard',
  csvUploadLimitBytes: 64 * 1_048_576,
  strictLimits: { campaignStartsPerMinute: 10, outboundPerMinute: 20 },
};

export interface ApiDeps extends HealthRoutesOptions {
  logger: Logger;
  prisma: PrismaClient;
  /** Temporal client (namespace set); workflow routes answer 503 without it. */
  temporal?: Client;
  /** Notifications behind the live transcript; the route answers 503 without it. */
  callEvents?: CallEventFeed;
  settings?: Partial<ApiSettings>;
  now?: () => Date;
}

/** Every route as registered (including HEAD twins and health): what the auth tests walk. */
export interface RouteInventoryEntry {
  method: string;
  url: string;
  access: Access | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeInventory: RouteInventoryEntry[];
  }
}

/** Routes that exist before any plugin could declare access: health and readiness are public. */
const PUBLIC_PLATFORM_ROUTES = new Set(['/health', '/ready']);

/** Builds the admin API without listening, so tests can drive it with `inject()`. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const settings = { ...DEFAULT_API_SETTINGS, ...deps.settings };
  const now = deps.now ?? (() => new Date());
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: settings.bodyLimitBytes,
    // Live transcript streams never go idle; closing must not wait for their clients.
    forceCloseConnections: true,
    genReqId: requestId,
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    routerOptions: { maxParamLength: 200 },
  });
  installRequestLogging(app);
  installTextBodies(app, settings.bodyLimitBytes);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody(req, new ApiError(404, 'not_found', 'no such route'))),
  );
  const inventory: RouteInventoryEntry[] = [];
  app.decorate('routeInventory', inventory);
  app.addHook('onRoute', (route) => {
    if (PUBLIC_PLATFORM_ROUTES.has(route.url) && !route.config?.access) {
      route.config = { ...route.config, access: 'public' };
    }
    for (const method of [route.method].flat()) {
      inventory.push({ method, url: route.url, access: route.config?.access });
    }
  });
  installSecurityHeaders(app, settings.corsOrigins);
  const audit = createAuditLog(deps.prisma, deps.logger);
  const limiter = createRateLimiter(() => now().getTime());
  installAuth(app, { prisma: deps.prisma, audit, limiter, limits: settings.rateLimits, now });
  const metrics = createApiMetrics(app, deps.prisma, () => now().getTime());

  await app.register(healthRoutes, { health: deps.health, readiness: deps.readiness });
  const router = new Router(app, {
    idempotency: createIdempotency(deps.prisma),
    audit: (ctx, action, target) => audit.record({ actor: ctx.actor, action, target, requestId: ctx.req.id }),
  });
  keyRoutes(router, deps.prisma);
  callRoutes(router, {
    prisma: deps.prisma,
    temporalUi:
      settings.temporalUiUrl && deps.temporal
        ? { url: settings.temporalUiUrl.replace(/\/$/, ''), namespace: deps.temporal.options.namespace }
        : undefined,
  });
  callLiveRoutes(router, { prisma: deps.prisma, callEvents: deps.callEvents });
  agentRoutes(router, deps.prisma);
  customerRoutes(router, deps.prisma);
  appointmentRoutes(router, { prisma: deps.prisma, temporal: deps.temporal, now });
  dncRoutes(router, deps.prisma);
  deadLetterRoutes(router, { prisma: deps.prisma, temporal: deps.temporal, taskQueue: settings.taskQueue });
  workflowRoutes(router, deps.temporal);
  campaignRoutes(router, { prisma: deps.prisma, csvUploadLimitBytes: settings.csvUploadLimitBytes });
  campaignControlRoutes(router, {
    prisma: deps.prisma,
    temporal: deps.temporal,
    taskQueue: settings.taskQueue,
    startsPerMinute: settings.strictLimits.campaignStartsPerMinute,
  });
  callActionRoutes(router, {
    prisma: deps.prisma,
    temporal: deps.temporal,
    taskQueue: settings.taskQueue,
    outboundPerMinute: settings.strictLimits.outboundPerMinute,
  });
  opsRoutes(router, { metrics, metricsPublic: settings.metricsPublic, version: API_VERSION });
  return app;
}

const API_VERSION = '1.0.0';

/** A caller's X-Request-Id is kept when it is a sane token (so traces line up); otherwise a new one. */
function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9_.:-]{8,100}$/.test(given) ? given : randomUUID();
}

/**
 * One line per request with the route pattern, never the raw URL: paths and query strings carry
 * phone numbers and ids. Headers (keys, signatures) are not logged at all.
 */
function installRequestLogging(app: FastifyInstance): void {
  app.addHook('onResponse', async (req: FastifyRequest, reply) => {
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        keyId: req.actor?.keyId,
      },
      'request',
    );
  });
}
