import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/http/errors.ts';
import { createIdempotency, STALE_CLAIM_MS } from '../../src/api/http/idempotency.ts';
import type { RouteContext } from '../../src/api/http/route.ts';
import type { PrismaClient } from '../../src/db/client.ts';
import type { TestDatabase } from '../support/database.ts';
import { migratedDatabase } from './support.ts';

/** The parts of a fastify request/reply the idempotency wrapper reads and writes. */
function request(apiKeyId: string, key: string, body: unknown) {
  const reply = {
    statusCode: 200,
    headers: {} as Record<string, string>,
    header(name: string, value: string) {
      reply.headers[name] = value;
      return reply;
    },
    code(status: number) {
      reply.statusCode = status;
      return reply;
    },
  };
  const log = { warn() {}, error() {} };
  const ctx = {
    params: {},
    query: {},
    body,
    req: { headers: { 'idempotency-key': key }, url: '/api/v1/things', method: 'POST', log },
    reply,
    actor: { keyId: apiKeyId, role: 'admin' },
  } as unknown as RouteContext<unknown, unknown, unknown>;
  return { ctx, reply };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('Idempotency-Key claims', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  beforeAll(async () => {
    ({ db, prisma } = await migratedDatabase());
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('runs only one of two concurrent first requests with the same key; the other is told to retry', async () => {
    const idempotency = createIdempotency(prisma);
    const apiKeyId = randomUUID();
    let runs = 0;
    const slow = gate();
    const a = request(apiKeyId, 'same-key', { n: 1 });
    const first = idempotency(a.ctx, async () => {
      runs++;
      await slow.opened;
      a.reply.statusCode = 201;
      return { id: 'thing-1' };
    });
    // The first request has claimed the key once its row exists.
    await expect.poll(() => prisma.idempotencyRecord.count({ where: { apiKeyId, key: 'same-key' } })).toBe(1);
    const b = request(apiKeyId, 'same-key', { n: 1 });
    const second = idempotency(b.ctx, async () => {
      runs++;
      return { id: 'thing-2' };
    });
    const refused = await second.catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 409, code: 'idempotency_key_in_use' });
    expect((refused as ApiError).headers).toEqual({ 'retry-after': '1' });

    slow.open();
    expect(await first).toEqual({ id: 'thing-1' });
    // Once the first finished, the retry gets its stored response without running again.
    const c = request(apiKeyId, 'same-key', { n: 1 });
    const replayed = await idempotency(c.ctx, async () => {
      runs++;
      return { id: 'thing-3' };
    });
    expect(replayed).toEqual({ id: 'thing-1' });
    expect(c.reply.statusCode).toBe(201);
    expect(c.reply.headers['idempotent-replayed']).toBe('true');
    expect(runs).toBe(1);
  });

  it('releases the key when the handler fails, so the request can be retried with it', async () => {
    const idempotency = createIdempotency(prisma);
    const apiKeyId = randomUUID();
    const failing = request(apiKeyId, 'retry-me', { n: 2 });
    await expect(
      idempotency(failing.ctx, async () => {
        throw new ApiError(404, 'not_found', 'agent not found');
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(await prisma.idempotencyRecord.count({ where: { apiKeyId } })).toBe(0);
    const retry = request(apiKeyId, 'retry-me', { n: 2 });
    expect(await idempotency(retry.ctx, async () => ({ ok: true }))).toEqual({ ok: true });
    const row = await prisma.idempotencyRecord.findFirstOrThrow({ where: { apiKeyId } });
    expect(row).toMatchObject({ statusCode: 200, responseBody: { ok: true } });
    expect(row.completedAt).not.toBeNull();
  });

  it('refuses the key for a different request even while the first is still running', async () => {
    const idempotency = createIdempotency(prisma);
    const apiKeyId = randomUUID();
    const slow = gate();
    const a = request(apiKeyId, 'k', { phone: '+14155550100' });
    const first = idempotency(a.ctx, async () => {
      await slow.opened;
      return {};
    });
    await expect.poll(() => prisma.idempotencyRecord.count({ where: { apiKeyId } })).toBe(1);
    const other = request(apiKeyId, 'k', { phone: '+14155550101' });
    await expect(idempotency(other.ctx, async () => ({}))).rejects.toMatchObject({
      status: 422,
      code: 'idempotency_key_reused',
    });
    slow.open();
    await first;
  });

  it('takes over the claim of a request whose process died before it finished', async () => {
    const apiKeyId = randomUUID();
    const startedAt = new Date('2026-11-22T10:00:00Z');
    const hash = await (async () => {
      // A first request that claimed the key and never came back (its process was killed).
      const dying = createIdempotency(prisma, () => startedAt);
      const a = request(apiKeyId, 'orphan', { n: 3 });
      void dying(a.ctx, () => new Promise(() => {}));
      await expect.poll(() => prisma.idempotencyRecord.count({ where: { apiKeyId } })).toBe(1);
      return (await prisma.idempotencyRecord.findFirstOrThrow({ where: { apiKeyId } })).requestHash;
    })();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);

    const soon = createIdempotency(prisma, () => new Date(startedAt.getTime() + STALE_CLAIM_MS - 1_000));
    await expect(soon(request(apiKeyId, 'orphan', { n: 3 }).ctx, async () => ({}))).rejects.toMatchObject({
      status: 409,
    });
    const later = createIdempotency(prisma, () => new Date(startedAt.getTime() + STALE_CLAIM_MS + 1_000));
    const retry = request(apiKeyId, 'orphan', { n: 3 });
    expect(await later(retry.ctx, async () => ({ done: true }))).toEqual({ done: true });
    const row = await prisma.idempotencyRecord.findFirstOrThrow({ where: { apiKeyId } });
    expect(row.responseBody).toEqual({ done: true });
  });
});
