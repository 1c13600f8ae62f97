import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { captureLogger, MIGRATIONS_DIR, migrationNames, query, ROOT } from './helpers.ts';

const PRISMA_CLI = createRequire(import.meta.url).resolve('prisma/build/index.js');
const run = promisify(execFile);

/** Runs the Prisma CLI offline (prisma.config.ts) against `databaseUrl`; resolves to its exit code and output. */
async function prisma(databaseUrl: string, ...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [PRISMA_CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('interoperability with the Prisma CLI', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db?.drop();
  });

  it('prisma migrate status accepts a database our migrator migrated', async () => {
    await applyMigrations({
      connectionString: db.url,
      migrationsDir: MIGRATIONS_DIR,
      logger: captureLogger().logger,
    });

    const status = await prisma(db.url, 'migrate', 'status');

    expect(status.output).toContain('Database schema is up to date');
    expect(status.code).toBe(0);
  });

  it('our migrator treats a database migrated by prisma migrate deploy as up to date', async () => {
    const deploy = await prisma(db.url, 'migrate', 'deploy');
    expect(deploy.code, deploy.output).toBe(0);

    const result = await applyMigrations({
      connectionString: db.url,
      migrationsDir: MIGRATIONS_DIR,
      logger: captureLogger().logger,
    });

    expect(result).toEqual({ applied: [], alreadyApplied: (await migrationNames()).length });
  });

  it('the committed migrations produce exactly prisma/schema.prisma', async () => {
    const diff = await prisma(
      db.url,
      'migrate',
      'diff',
      '--from-migrations',
      MIGRATIONS_DIR,
      '--to-schema-datamodel',
      'prisma/schema.prisma',
      '--exit-code',
    );

    expect(diff.output).toContain('No difference detected');
    expect(diff.code).toBe(0);
    // The shadow database it replays the migrations into is gone again.
    expect(
      await query(db.url, `SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'`),
    ).toEqual([]);
  });
});
