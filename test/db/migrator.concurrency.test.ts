import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { captureLogger, MIGRATIONS_DIR, migrationNames, query } from './helpers.ts';

const PRISMA_MIGRATE_LOCK_KEY = 72707369;

describe('applyMigrations from several processes at once', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db?.drop();
  });

  it('applies each migration once when two migrators start together', async () => {
    const names = await migrationNames();
    const run = () =>
      applyMigrations({
        connectionString: db.url,
        migrationsDir: MIGRATIONS_DIR,
        logger: captureLogger().logger,
      });

    const results = await Promise.all([run(), run()]);

    expect(results.map((r) => r.applied.length).sort()).toEqual([0, names.length]);
    const rows = await query(db.url, 'SELECT migration_name FROM _prisma_migrations');
    expect(rows).toHaveLength(names.length);
  });

  it("waits for Prisma's advisory lock and gives up after the lock timeout", async () => {
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
      const started = Date.now();

      const error = await applyMigrations({
        connectionString: db.url,
        migrationsDir: MIGRATIONS_DIR,
        logger: captureLogger().logger,
        lockTimeoutMs: 300,
      }).catch((err: unknown) => err);

      expect((error as Error).message).toMatch(/timed out after 300 ms waiting for the migration lock/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(await query(db.url, `SELECT to_regclass('public.agents') AS t`)).toEqual([{ t: null }]);
    } finally {
      await holder.end();
    }
  });
});
