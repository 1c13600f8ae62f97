import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';

export interface TestDatabase {
  /** Connection string of the new, empty database. */
  url: string;
  /** Drops the database, disconnecting anyone still in it. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * A fresh, uniquely named database on the server in `DATABASE_URL` (whose user needs CREATEDB),
 * so that test files running in parallel never share tables. `npm test` provides the server
 * (scripts/ensure-postgres.sh).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    throw new Error(
      'DATABASE_URL is not set: database tests need a PostgreSQL server whose user may CREATE DATABASE ' +
        '(run them through `npm test`, or set DATABASE_URL=postgres://user:password@host:5432/db)',
    );
  }
  const name = `sb_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await runOnServer(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      // FORCE (Postgres 13+): a pool a failed test left open must not keep the database alive.
      // FORCE cannot end another role's backend (42501): an autovacuum worker that has just started
      // on the fresh tables. It finishes in moments, so the drop is tried again.
      for (let tries = 1; ; tries++) {
        try {
          await runOnServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== '42501' || tries >= 20) throw error;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
  };
}

export interface MigratedDatabase {
  prisma: PrismaClient;
  /** Disconnects the client and drops the database. */
  close(): Promise<void>;
}

/** A fresh database with every migration applied and a small Prisma client on it. */
export async function createMigratedDatabase(): Promise<MigratedDatabase> {
  const db = await createTestDatabase();
  await applyMigrations({
    connectionString: db.url,
    migrationsDir: MIGRATIONS_DIR,
    logger: pino({ level: 'silent' }),
  });
  const prisma = createPrisma({ connectionString: db.url, poolMax: 2 });
  return {
    prisma,
    async close() {
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

async function runOnServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
