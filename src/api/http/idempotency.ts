import { createHash } from 'node:crypto';
import { Prisma, type PrismaClient } from '../../db/client.ts';
import { ApiError } from './errors.ts';
import type { RouteContext } from './route.ts';

const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;
/**
 * A claim older than this whose request never finished belongs to a process that died mid-request:
 * the next request with the key takes it over. Longer than any handler runs (a 64 MiB campaign
 * upload included), so a slow first request is never run twice.
 */
export const STALE_CLAIM_MS = 10 * 60_000;

type Stored = { requestHash: string; statusCode: number | null; responseBody: unknown; createdAt: Date };

/**
 * `Idempotency-Key` on mutating POSTs. The key is claimed (a row with no response yet) BEFORE the
 * handler runs, so of two concurrent first requests with one key exactly one runs; the other is
 * told 409 `idempotency_key_in_use` and retries. The finished response (status and body) is then
 * stored on the claim, and a replay with the same key and request gets it back without running
 * the handler again; the same key with a different request is refused (422). A handler that fails
 * releases the claim, so a failed request may be retried with its key. Keys are per API key.
 */
export function createIdempotency(prisma: PrismaClient, now: () => Date = () => new Date()) {
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
    const where = { apiKeyId_key: { apiKeyId, key: raw } };

    const claimedAt = now();
    const claimed = await prisma.idempotencyRecord
      .create({
        data: { apiKeyId, key: raw, method: ctx.req.method, path, requestHash, createdAt: claimedAt },
      })
      .then(() => true)
      .catch((err: unknown) => {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return false;
        throw err;
      });
    if (!claimed) {
      const stored = (await prisma.idempotencyRecord.findUnique({ where })) as Stored | null;
      // Released by a failed first request between our insert and this read: the caller retries.
      if (!stored) throw inUse();
      if (stored.requestHash !== requestHash) {
        throw new ApiError(
          422,
          'idempotency_key_reused',
          'this Idempotency-Key was used for a different request',
          'header.idempotency-key',
        );
      }
      if (stored.statusCode !== null) {
        ctx.reply.header('idempotent-replayed', 'true').code(stored.statusCode);
        return stored.responseBody;
      }
      if (claimedAt.getTime() - stored.createdAt.getTime() < STALE_CLAIM_MS) throw inUse();
      // Take the stale claim over, unless another request just did.
      const taken = await prisma.idempotencyRecord.updateMany({
        where: { apiKeyId, key: raw, completedAt: null, createdAt: stored.createdAt },
        data: { createdAt: claimedAt },
      });
      if (taken.count !== 1) throw inUse();
      ctx.req.log.warn({ key: raw }, 'idempotency claim of a request that never finished taken over');
    }

    let result: unknown;
    try {
      result = await run();
    } catch (err) {
      await prisma.idempotencyRecord
        .deleteMany({ where: { apiKeyId, key: raw, completedAt: null, createdAt: claimedAt } })
        .catch((releaseErr: unknown) =>
          // The claim then expires after STALE_CLAIM_MS; the request's own error still goes out.
          ctx.req.log.warn({ err: releaseErr }, 'idempotency claim not released'),
        );
      throw err;
    }
    await prisma.idempotencyRecord
      .update({
        where,
        data: {
          statusCode: ctx.reply.statusCode,
          responseBody: result == null ? Prisma.JsonNull : (result as Prisma.InputJsonValue),
          completedAt: now(),
        },
      })
      .catch((err: unknown) =>
        // The work is done and its caller gets the answer; a replay within STALE_CLAIM_MS is told
        // to retry, after it the claim is taken over.
        ctx.req.log.error({ err, key: raw }, 'idempotent response not stored'),
      );
    return result;
  };
}

function inUse(): ApiError {
  return new ApiError(
    409,
    'idempotency_key_in_use',
    'a request with this Idempotency-Key is still being processed; retry shortly',
    'header.idempotency-key',
    { 'retry-after': '1' },
  );
}
