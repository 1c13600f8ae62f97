import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PrismaClient } from '../../db/client.ts';
import type { AuditLog } from '../audit.ts';
import { ApiError } from '../http/errors.ts';
import { keyMatchesHash, parseApiKey } from './keys.ts';
import type { RateLimiter, RateLimitRule } from './rate-limit.ts';
import type { Actor } from './roles.ts';

export interface AuthOptions {
  prisma: PrismaClient;
  audit: AuditLog;
  limiter: RateLimiter;
  limits: { read: RateLimitRule; mutate: RateLimitRule };
  now: () => Date;
}

/** `last_used_at` is a hint for operators; writing it once a minute per key is plenty. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The single gate: every matched route declares `access` ('public' or roles); a route without
 * one is refused, so forgetting to declare access fails closed. Unknown URLs fall through to the
 * 404 handler. Refusals are audited; the presented key never is.
 */
export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404) return;
    const access = req.routeOptions.config.access;
    if (access === 'public') return;
    const actor = await authenticate(req, opts);
    if (!access?.includes(actor.role)) {
      await opts.audit.record({
        actor,
        action: 'auth.forbidden',
        target: routeTarget(req),
        requestId: req.id,
      });
      throw new ApiError(403, 'forbidden', `role ${actor.role} may not use this route`);
    }
    limit(req, reply, actor, opts);
    req.actor = actor;
  });
}

async function authenticate(req: FastifyRequest, opts: AuthOptions): Promise<Actor> {
  const presented = presentedKey(req);
  const refuse = async (reason: string, keyId?: string) => {
    // Failures are metered per client address, so a flood of bad keys can neither fill the
    // audit log nor keep the key table busy; past the limit they are refused unaudited.
    const flood = opts.limiter.take(`ip:${req.ip}`, opts.limits.read);
    if (!flood.allowed) {
      return new ApiError(429, 'rate_limited', 'too many failed authentications', undefined, {
        'retry-after': String(flood.retryAfterSec),
      });
    }
    await opts.audit.record({
      actor: keyId ? { keyId } : undefined,
      action: 'auth.failed',
      target: routeTarget(req),
      requestId: req.id,
      details: { reason },
    });
    return new ApiError(401, 'unauthenticated', 'a valid API key is required', undefined, {
      'www-authenticate': 'Bearer',
    });
  };
  if (!presented) throw await refuse('missing');
  const parsed = parseApiKey(presented);
  if (!parsed) throw await refuse('malformed');
  const row = await opts.prisma.apiKey.findUnique({ where: { prefix: parsed.prefix } });
  if (!row || !keyMatchesHash(presented, row.hash)) throw await refuse('unknown', row?.id);
  if (row.revokedAt) throw await refuse('revoked', row.id);
  const now = opts.now();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    opts.prisma.apiKey
      .update({ where: { id: row.id }, data: { lastUsedAt: now } })
      .catch((err: unknown) => req.log.warn({ err }, 'could not update key last use'));
  }
  return { keyId: row.id, role: row.role, name: row.name };
}

function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

function limit(req: FastifyRequest, reply: FastifyReply, actor: Actor, opts: AuthOptions): void {
  const { mutating, rateLimit } = req.routeOptions.config;
  const general = mutating
    ? opts.limiter.take(`${actor.keyId}:mutate`, opts.limits.mutate)
    : opts.limiter.take(`${actor.keyId}:read`, opts.limits.read);
  const own =
    rateLimit && general.allowed
      ? opts.limiter.take(`${actor.keyId}:route:${req.method} ${req.routeOptions.url}`, rateLimit)
      : undefined;
  const decision = own && (!own.allowed || own.remaining < general.remaining) ? own : general;
  reply.header('x-ratelimit-limit', decision.limit);
  reply.header('x-ratelimit-remaining', decision.remaining);
  if (!decision.allowed) {
    throw new ApiError(429, 'rate_limited', 'too many requests for this API key', undefined, {
      'retry-after': String(decision.retryAfterSec),
    });
  }
}

function routeTarget(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? req.url}`;
}
