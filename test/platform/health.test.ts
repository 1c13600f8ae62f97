import { describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/app.ts';
import type { PrismaClient } from '../../src/db/client.ts';
import { createLogger } from '../../src/logger.ts';
import { createHealthChecker } from '../../src/platform/health.ts';

const logger = createLogger('silent');
/** Health and readiness are public and read no table; any use of the database here is a bug. */
const prisma = new Proxy({} as PrismaClient, {
  get(_target, prop) {
    throw new Error(`health routes must not use the database (prisma.${String(prop)})`);
  },
});

describe('health endpoints', () => {
  it('answers 200 with every check when all dependencies answer', async () => {
    const health = createHealthChecker({
      database: async () => undefined,
      worker: async () => '1 poller(s)',
    });
    const app = await buildApi({ logger, prisma, health, readiness: health });
    const res = await app.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      checks: { database: { ok: true }, worker: { ok: true, detail: '1 poller(s)' } },
    });
    await app.close();
  });

  it('answers 503 naming the dependency that failed or hung', async () => {
    const health = createHealthChecker(
      {
        database: async () => {
          throw new Error('connection refused');
        },
        temporal: () => new Promise<undefined>(() => {}),
        worker: async () => undefined,
      },
      100,
    );
    const app = await buildApi({ logger, prisma, health, readiness: health });
    const res = await app.inject('/health');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'down',
      checks: {
        database: { ok: false, error: 'connection refused' },
        temporal: { ok: false, error: 'no answer within 100 ms' },
        worker: { ok: true },
      },
    });
    expect((await app.inject('/ready')).statusCode).toBe(503);
    await app.close();
  });

  it('hides internals of unexpected errors behind a stable JSON shape', async () => {
    const health = createHealthChecker({});
    const app = await buildApi({ logger, prisma, health, readiness: health });
    app.get('/boom', { config: { access: 'public' } }, async () => {
      throw new Error('secret internal detail');
    });
    const res = await app.inject('/boom');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: { status: 500, code: 'internal', message: 'internal error', requestId: expect.any(String) },
    });
    expect((await app.inject('/nope')).statusCode).toBe(404);
    await app.close();
  });
});
