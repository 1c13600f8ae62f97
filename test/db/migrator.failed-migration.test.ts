import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MigrationError } from '../../src/db/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { captureLogger, MIGRATIONS_DIR, makeTempDir, migrationNames, query } from './helpers.ts';

const BROKEN = '29990101000000_broken';

/** A copy of the real migrations plus one that fails halfway through. */
async function migrationsWithBrokenOne(dir: string): Promise<void> {
  await fs.cp(MIGRATIONS_DIR, dir, { recursive: true });
  await fs.mkdir(path.join(dir, BROKEN));
  await fs.writeFile(
    path.join(dir, BROKEN, 'migration.sql'),
    'CREATE TABLE "before_the_error" (id int);\nSELECT * FROM "no_such_table";\n',
  );
}

interface Row {
  migration_name: string;
  finished_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

describe('applyMigrations when a migration fails', () => {
  let db: TestDatabase;
  let temp: { dir: string; remove(): Promise<void> };
  let migrationsDir: string;

  beforeEach(async () => {
    db = await createTestDatabase();
    temp = await makeTempDir('sb-migrations-');
    migrationsDir = path.join(temp.dir, 'migrations');
    await migrationsWithBrokenOne(migrationsDir);
  });
  afterEach(async () => {
    await db?.drop();
    await temp?.remove();
  });

  const run = (logger = captureLogger().logger) =>
    applyMigrations({ connectionString: db.url, migrationsDir, logger, lockTimeoutMs: 5_000 });

  it('stops with an error naming the migration and records the failure in its logs', async () => {
    const error = await run().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migrationName).toBe(BROKEN);
    expect((error as Error).message).toContain(BROKEN);
    expect((error as Error).message).toContain('no_such_table');

    const rows = await query<Row>(db.url, 'SELECT * FROM _prisma_migrations ORDER BY migration_name');
    const broken = rows.find((r) => r.migration_name === BROKEN);
    expect(broken).toMatchObject({ finished_at: null, applied_steps_count: 0 });
    expect(broken?.logs).toContain(BROKEN);
    expect(broken?.logs).toContain('relation "no_such_table" does not exist');
    expect(rows.filter((r) => r.finished_at !== null)).toHaveLength((await migrationNames()).length);
  });

  it('rolls back the statements of the failed file, which ran as one transaction', async () => {
    await run().catch(() => {});

    const tables = await query(
      db.url,
      `SELECT 1 FROM information_schema.tables WHERE table_name = 'before_the_error'`,
    );
    expect(tables).toEqual([]);
  });

  it('refuses to apply anything while the failure is unresolved, even once the file is fixed', async () => {
    await run().catch(() => {});
    await fs.writeFile(path.join(migrationsDir, BROKEN, 'migration.sql'), 'CREATE TABLE "fixed" (id int);\n');

    const error = await run().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(new RegExp(`${BROKEN}.*failed earlier`));
    expect(await query(db.url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'fixed'`)).toEqual(
      [],
    );
  });

  it('applies the fixed migration once the failure is marked rolled back', async () => {
    await run().catch(() => {});
    await fs.writeFile(path.join(migrationsDir, BROKEN, 'migration.sql'), 'CREATE TABLE "fixed" (id int);\n');
    // What `prisma migrate resolve --rolled-back <name>` writes.
    await query(db.url, 'UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1', [
      BROKEN,
    ]);

    const result = await run();

    expect(result.applied).toEqual([BROKEN]);
    const rows = await query<Row>(db.url, 'SELECT * FROM _prisma_migrations WHERE migration_name = $1', [
      BROKEN,
    ]);
    expect(rows).toHaveLength(2);
    expect(
      await query(db.url, `SELECT 1 FROM information_schema.tables WHERE table_name = 'fixed'`),
    ).toHaveLength(1);
  });

  it('warns, and carries on, when an applied migration was edited afterwards', async () => {
    await fs.rm(path.join(migrationsDir, BROKEN), { recursive: true });
    await run();
    const [first] = await migrationNames(migrationsDir);
    await fs.appendFile(path.join(migrationsDir, first as string, 'migration.sql'), '\n-- edited later\n');
    const captured = captureLogger();

    const result = await run(captured.logger);

    expect(result.applied).toEqual([]);
    const warning = captured.records().find((r) => r.level === 40 && r.migration === first);
    expect(warning?.msg).toMatch(/edited after it ran/);
  });
});
