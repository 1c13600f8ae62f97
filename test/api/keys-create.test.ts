import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { keyMatchesHash } from '../../src/api/auth/keys.ts';
import { createPrisma } from '../../src/db/client.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createLogger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import { migratedDatabase } from './support.ts';

const run = promisify(execFile);
const SCRIPT = path.resolve('scripts/keys-create.ts');
const TSX = path.resolve('node_modules/.bin/tsx');

async function createKey(env: Record<string, string>, ...args: string[]) {
  const { DATABASE_URL: _omit, ...inherited } = process.env;
  return run(TSX, [SCRIPT, ...args], { env: { ...inherited, LOG_LEVEL: 'warn', ...env }, timeout: 240_000 });
}

describe('npm run keys:create', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key in DATABASE_URL, printing it once on stdout and storing only its hash', async () => {
    const { db, prisma } = await migratedDatabase();
    try {
      const { stdout, stderr } = await createKey(
        { DATABASE_URL: db.url },
        '--role',
        'campaign_manager',
        '--name',
        'Grace',
      );
      const key = stdout.trim();
      expect(key).toMatch(/^sb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(stderr).toContain('shown once');
      const row = await prisma.apiKey.findFirstOrThrow({ where: { name: 'Grace' } });
      expect(row.role).toBe('campaign_manager');
      expect(keyMatchesHash(key, row.hash)).toBe(true);
      await expect(
        createKey({ DATABASE_URL: db.url }, '--role', 'root', '--name', 'x'),
      ).rejects.toMatchObject({
        stderr: expect.stringContaining('--role'),
      });
    } finally {
      await prisma.$disconnect();
      await db.drop();
    }
  });

  it('reaches the embedded database through the address a running process published', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-keys-'));
    dirs.push(dataDir);
    const logger = createLogger('silent');
    // This test process plays the running `npm start`: it holds the data directory's lock.
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'pgdata'),
      host: '127.0.0.1',
      port: 0,
      logger,
    });
    try {
      await applyMigrations({ connectionString: pg.connectionString, migrationsDir: MIGRATIONS_DIR, logger });
      const { stdout } = await createKey({ DATA_DIR: dataDir }, '--role', 'admin', '--name', 'first admin');
      const prisma = createPrisma({ connectionString: pg.connectionString, poolMax: 1 });
      try {
        const row = await prisma.apiKey.findFirstOrThrow({ where: { name: 'first admin' } });
        expect(keyMatchesHash(stdout.trim(), row.hash)).toBe(true);
      } finally {
        await prisma.$disconnect();
      }
    } finally {
      await pg.stop();
    }
    expect(fs.existsSync(path.join(dataDir, 'pgdata.endpoint'))).toBe(false);
  });
});
