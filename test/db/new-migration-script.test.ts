import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, makeTempDir, migrationNames, ROOT } from './helpers.ts';

const run = promisify(execFile);

function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL must name a PostgreSQL server whose user may CREATE DATABASE');
  return url;
}
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

describe('npm run db:migration', () => {
  let temp: { dir: string; remove(): Promise<void> };
  let schema: string;
  let migrationsDir: string;

  beforeEach(async () => {
    temp = await makeTempDir('sb-new-migration-');
    schema = path.join(temp.dir, 'schema.prisma');
    migrationsDir = path.join(temp.dir, 'migrations');
    await fs.cp(MIGRATIONS_DIR, migrationsDir, { recursive: true });
    const original = await fs.readFile(path.join(ROOT, 'prisma/schema.prisma'), 'utf8');
    const withEmail = original.replace(/(model Customer \{\n)/, '$1  email String?\n');
    expect(withEmail).not.toBe(original);
    await fs.writeFile(schema, withEmail);
  });
  afterEach(async () => {
    await temp?.remove();
  });

  async function newMigration(databaseUrl: string, ...args: string[]): Promise<string> {
    const { stdout } = await run(
      TSX,
      ['scripts/db-new-migration.ts', ...args, '--schema', schema, '--migrations-dir', migrationsDir],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' } },
    );
    return stdout;
  }

  async function addedMigrations(): Promise<string[]> {
    const before = await migrationNames();
    return (await migrationNames(migrationsDir)).filter((name) => !before.includes(name));
  }

  it.each([
    ['a shadow database on the DATABASE_URL server', serverUrl],
    ['a throwaway embedded database when DATABASE_URL is unset', () => ''],
  ])('writes the SQL from the migrations to the schema, using %s', async (_, url) => {
    await newMigration(url(), 'Add customer email');

    const added = await addedMigrations();
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\d{14}_add_customer_email$/);
    const sql = await fs.readFile(path.join(migrationsDir, added[0] as string, 'migration.sql'), 'utf8');
    expect(sql).toContain('ALTER TABLE "customers" ADD COLUMN     "email" TEXT;');
    expect(sql).not.toMatch(/DROP|audit_log|appointments/);
  });

  it('writes nothing when the migrations already match the schema', async () => {
    await fs.copyFile(path.join(ROOT, 'prisma/schema.prisma'), schema);

    const stdout = await newMigration(serverUrl(), 'nothing');

    expect(stdout).toMatch(/already match the schema; nothing written/);
    expect(await addedMigrations()).toEqual([]);
  });
});
