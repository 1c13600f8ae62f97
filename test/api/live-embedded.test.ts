import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/app.ts';
import { type CallEventFeed, createInProcessCallEventFeed } from '../../src/api/live/call-events.ts';
import { createApiKey } from '../../src/api/routes/keys.ts';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createTurnWriter } from '../../src/db/turns.ts';
import { createLogger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import { createHealthChecker } from '../../src/platform/health.ts';
import { openEventStream } from './sse-client.ts';
import { seedLiveCall } from './support.ts';

/**
 * The embedded default (PGlite behind pglite-socket) cannot deliver a NOTIFY to another socket
 * connection; the API hears the trigger's notifications in process instead. This drives the
 * live transcript end to end on that path: writes arrive over the socket, like the worker's.
 */
describe('admin API: live transcript on the embedded database', () => {
  const logger = createLogger('silent');
  let dir: string;
  let pg: EmbeddedPostgres;
  let prisma: PrismaClient;
  let feed: CallEventFeed;
  let app: FastifyInstance;
  let base: string;
  let key: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-api-embedded-'));
    pg = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'pgdata'),
      host: '127.0.0.1',
      port: 0,
      logger,
    });
    await applyMigrations({ connectionString: pg.connectionString, migrationsDir: MIGRATIONS_DIR, logger });
    prisma = createPrisma({ connectionString: pg.connectionString, poolMax: 4 });
    feed = createInProcessCallEventFeed(pg.notifications, logger);
    const health = createHealthChecker({});
    app = await buildApi({ logger, prisma, health, readiness: health, callEvents: feed });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    key = (await createApiKey(prisma, { name: 't', role: 'viewer' })).key;
  });
  afterAll(async () => {
    await app?.close();
    await feed?.close();
    await prisma?.$disconnect();
    await pg?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a turn stored after subscribing and ends with the call', async () => {
    const call = await seedLiveCall(prisma, 'CAembedded01');
    const stream = openEventStream(`${base}/api/v1/calls/${call.id}/live`, {
      authorization: `Bearer ${key}`,
    });
    await stream.ready;
    expect(stream.status).toBe(200);
    const writer = createTurnWriter(prisma, call.id, logger);
    writer.record({ sequence: 0, role: 'user', heardText: 'Hello?', interrupted: false });
    await writer.flush();
    await stream.until(() => stream.events.length >= 1);
    expect(stream.events[0]).toMatchObject({ id: '0', event: 'turn' });
    await prisma.call.update({ where: { id: call.id }, data: { endedAt: new Date() } });
    await stream.until(() => stream.closed);
    expect(stream.events.map((e) => e.event)).toEqual(['turn', 'end']);
  });
});
