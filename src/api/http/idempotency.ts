import { createHash } from 'node:crypto';
import type { PrismaClient } from '../../db/client.ts';
import { ApiError } from './errors.ts';
import type { RouteContext } from './route.ts';

const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;

/**
 * `Idempotency-Key` on mutating POSTs: the first response (status and body) is stored per API
 * key; a replay with the same key and the same request gets it back without running the handler
 * again. The same key with a different request is refused (422). Error responses are not stored,
 * so a request that failed may be retried with its key. Two concurrent first requests with one
 * key both run; the later store loses the unique race and its caller still gets its own result.
 */
export function createIdempotency(prisma: PrismaClient) {
  return async function idempotency(
    ctx: RouteContext<unknown, unknown, unknown>,
    run: () => Promise<unknown>,
  ): Promise<unknown> {
    const raw = ctx.req.headers['idempotency-key'];
    if (raw === undefined) return run();
    if (typeof raw !== 'string' || !KEY_PATTERN.test(raw)) {
      throw new ApiError(
        400,
        'invalid_request',
        'Idempotency-Key: 1-200 characters of A-Z a-z 0-9 _ . : -',
        'header.idempotency-key',
      );
    }
    const apiKeyId = ctx.actor.keyId;
    const path = ctx.req.url.split('?')[0] ?? ctx.req.url;
    const requestHash = createHash('sha256')
      // A streamed upload's body cannot be hashed without buffering it: its query (the settings)
      // stands in, so the same key with other settings is still refused.
      .update(
        JSON.stringify([
          ctx.req.method,
          path,
          ctx.body ?? null,
          ...(ctx.body === undefined && ctx.query ? [ctx.query] : []),
        ]),
      )
      .digest('hex');
    const stored = await prisma.idempotencyRecord.findUnique({
      where: { apiKeyId_key: { apiKeyId, key: raw } },
    });
    if (stored) {
      if (stored.requestHash !== requestHash) {
        throw new ApiError(
          422,
          'idempotency_key_reused',
          'this Idempotency-Key was used for a different request',
          'header.idempotency-key',
        );
      }
      ctx.reply.header('idempotent-replayed', 'true').code(stored.statusCode);
      return stored.responseBody;
    }
    const result = await run();
    const statusCode = ctx.reply.statusCode;
    await prisma.idempotencyRecord
      .create({
        data: {
          apiKeyId,
          key: raw,
          method: ctx.req.method,
          path,
          requestHash,
          statusCode,
          responseBody: (result ?? null) as never,
        },
      })
      .catch((err: unknown) =>
        ctx.req.log.warn({ err }, 'idempotency record not stored (concurrent first use?)'),
      );
    return result;
  };
}
