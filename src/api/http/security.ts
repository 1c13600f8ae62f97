import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Helmet-style response headers and a CORS allowlist, without extra packages. The API serves
 * JSON to scripts and, at most, a console on an allowlisted origin: nothing may frame it, sniff
 * it, cache it or read it cross-origin unless the origin is listed.
 */
const HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-dns-prefetch-control': 'off',
  'x-permitted-cross-domain-policies': 'none',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

const ALLOWED_HEADERS = 'authorization, content-type, idempotency-key, x-api-key, x-request-id';
const ALLOWED_METHODS = 'GET, POST, PATCH, PUT, DELETE';

export function installSecurityHeaders(app: FastifyInstance, corsOrigins: readonly string[]): void {
  const allowed = new Set(corsOrigins);
  app.addHook('onRequest', async (req, reply) => {
    reply.headers(HEADERS);
    reply.header('x-request-id', req.id);
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', 'retry-after, x-request-id, x-ratelimit-remaining');
    }
    if (origin) reply.header('vary', 'origin');
  });
  // Preflight: answered for allowlisted origins only, before any auth (browsers send no key).
  app.route({
    method: 'OPTIONS',
    url: '/*',
    config: { access: 'public' },
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const origin = req.headers.origin;
      if (!origin || !allowed.has(origin)) return reply.code(403).send();
      return reply
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    },
  });
}
