import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { captureLogger, MIGRATIONS_DIR, migrationNames, query } from './helpers.ts';

const SCHEMA_TABLES = [
  'agent_phone_numbers',
  'agents',
  'api_keys',
  'appointments',
  'audit_log',
  'call_summaries',
  'calls',
  'campaign_contacts',
  'campaigns',
  'crm_dead_letters',
  'crm_sync_records',
  'customers',
  'dial_attempts',
  'do_not_call_entries',
  'idempotency_records',
  'reminder_deliveries',
  'turns',
];

describe('applyMigrations on a fresh database', () => {
  let db: TestDatabase;
  let names: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    names = await migrationNames();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('applies every migration and creates every table of the data model', async () => {
    const { logger } = captureLogger();
    const result = await applyMigrations({ connectionString: db.url, migrationsDir: MIGRATIONS_DIR, logger });

    expect(result).toEqual({ applied: names, alreadyApplied: 0 });
    const tables = await query<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(['_prisma_migrations', ...SCHEMA_TABLES]);
  });

  it('does nothing when run again', async () => {
    const { logger } = captureLogger();
    const before = await query(db.url, 'SELECT * FROM _prisma_migrations ORDER BY started_at');

    const result = await applyMigrations({ connectionString: db.url, migrationsDir: MIGRATIONS_DIR, logger });

    expect(result).toEqual({ applied: [], alreadyApplied: names.length });
    expect(await query(db.url, 'SELECT * FROM _prisma_migrations ORDER BY started_at')).toEqual(before);
  });

  it('creates _prisma_migrations with exactly the columns Prisma creates', async () => {
    const columns = await query(
      db.url,
      `SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      {
        column_name: 'id',
        data_type: 'character varying',
        length: 36,
        is_nullable: 'NO',
        column_default: null,
      },
      {
        column_name: 'checksum',
        data_type: 'character varying',
        length: 64,
        is_nullable: 'NO',
        column_default: null,
      },
      col('finished_at', 'timestamp with time zone', 'YES'),
      {
        column_name: 'migration_name',
        data_type: 'character varying',
        length: 255,
        is_nullable: 'NO',
        column_default: null,
      },
      col('logs', 'text', 'YES'),
      col('rolled_back_at', 'timestamp with time zone', 'YES'),
      { ...col('started_at', 'timestamp with time zone', 'NO'), column_default: 'now()' },
      { ...col('applied_steps_count', 'integer', 'NO'), column_default: '0' },
    ]);
    const primaryKey = await query(
      db.url,
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = '_prisma_migrations'::regclass AND i.indisprimary`,
    );
    expect(primaryKey).toEqual([{ attname: 'id' }]);
  });

  it('records each migration as prisma migrate deploy does', async () => {
    const rows = await query<Record<string, unknown>>(
      db.url,
      'SELECT * FROM _prisma_migrations ORDER BY started_at',
    );

    expect(rows).toHaveLength(names.length);
    for (const [index, row] of rows.entries()) {
      const name = names[index] as string;
      const bytes = await fs.readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql'));
      expect(row).toMatchObject({
        migration_name: name,
        checksum: createHash('sha256').update(bytes).digest('hex'),
        applied_steps_count: 1,
        logs: null,
        rolled_back_at: null,
      });
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect((row.finished_at as Date).getTime()).toBeGreaterThanOrEqual((row.started_at as Date).getTime());
    }
  });
});

function col(column_name: string, data_type: string, is_nullable: string) {
  return { column_name, data_type, length: null, is_nullable, column_default: null };
}
