import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { type ApiSettings, buildApi } from '../../src/api/app.ts';
import type { Role } from '../../src/api/auth/roles.ts';
import type { CallEventFeed } from '../../src/api/live/call-events.ts';
import { createApiKey } from '../../src/api/routes/keys.ts';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createLogger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import { createHealthChecker } from '../../src/platform/health.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

/** Everything the API logged, as text, so tests can look for leaked secrets. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
  text(): string {
    return this.lines.join('');
  }
}

export interface ApiHarness {
  app: FastifyInstance;
  prisma: PrismaClient;
  db: TestDatabase;
  logs: LogCapture;
  keys: Record<Role, { id: string; key: string }>;
  /** inject() with `Authorization: Bearer <key of role>`. */
  as(role: Role | string, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function migratedDatabase() {
  const db = await createTestDatabase();
  await applyMigrations({
    connectionString: db.url,
    migrationsDir: MIGRATIONS_DIR,
    logger: createLogger('silent'),
  });
  const prisma = createPrisma({ connectionString: db.url, poolMax: 4 });
  return { db, prisma };
}

/** A fresh migrated database, one key per role, and the API built on them (not listening). */
export async function startApi(
  options: {
    settings?: Partial<ApiSettings>;
    now?: () => Date;
    temporal?: Client;
    callEvents?: (databaseUrl: string) => CallEventFeed;
    database?: { db: TestDatabase; prisma: PrismaClient };
  } = {},
): Promise<ApiHarness> {
  const { db, prisma } = options.database ?? (await migratedDatabase());
  const logs = new LogCapture();
  const health = createHealthChecker({});
  const callEvents = options.callEvents?.(db.url);
  const app = await buildApi({
    logger: createLogger('info', logs),
    prisma,
    health,
    readiness: health,
    temporal: options.temporal,
    callEvents,
    settings: options.settings,
    now: options.now,
  });
  const keys = {} as ApiHarness['keys'];
  for (const role of ['admin', 'campaign_manager', 'viewer'] as const) {
    const created = await createApiKey(prisma, { name: `test ${role}`, role });
    keys[role] = { id: created.id, key: created.key };
  }
  return {
    app,
    prisma,
    db,
    logs,
    keys,
    as(role, opts) {
      const key = role in keys ? keys[role as Role].key : role;
      return app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${key}` } });
    },
    async close() {
      await app.close();
      await callEvents?.close();
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

/** An agent and one in-progress call of it: what the live-transcript tests stream. */
export async function seedLiveCall(prisma: PrismaClient, callSid: string) {
  const agent = await prisma.agent.create({
    data: {
      name: `agent ${callSid}`,
      systemPrompt: 'p',
      greeting: 'g',
      voice: 'v',
      ttsModel: 't',
      sttModel: 's',
    },
  });
  return prisma.call.create({
    data: { callSid, direction: 'inbound', from: '+1', to: '+2', status: 'in_progress', agentId: agent.id },
  });
}
