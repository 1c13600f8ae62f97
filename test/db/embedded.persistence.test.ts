import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrisma } from '../../src/db/client.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { captureLogger, MIGRATIONS_DIR, makeTempDir, migrationNames } from './helpers.ts';

describe('the embedded database (PGlite on a loopback socket)', () => {
  let temp: { dir: string; remove(): Promise<void> };
  let dataDir: string;
  const running: EmbeddedPostgres[] = [];

  // The parent directories do not exist yet: start() must create them.
  beforeEach(async () => {
    temp = await makeTempDir('sb-embedded-');
    dataDir = path.join(temp.dir, 'var', 'nested', 'pgdata');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((db) => db.stop()));
    await temp?.remove();
  });

  async function start(): Promise<EmbeddedPostgres> {
    const db = await startEmbeddedPostgres({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      logger: captureLogger().logger,
    });
    running.push(db);
    return db;
  }

  it('serves the migrator, then the Prisma client, and keeps the data across a restart', async () => {
    const first = await start();
    expect(first.connectionString).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:[1-9]\d*\/postgres/);
    const migrated = await applyMigrations({
      connectionString: first.connectionString,
      migrationsDir: MIGRATIONS_DIR,
      logger: captureLogger().logger,
    });
    expect(migrated.applied).toEqual(await migrationNames());
    const prisma = createPrisma({ connectionString: first.connectionString, poolMax: first.maxConnections });
    const customer = await prisma.customer.create({ data: { phone: '+15005550006', name: 'Grace Hopper' } });
    await prisma.$disconnect();
    await first.stop();

    const second = await start();
    const again = await applyMigrations({
      connectionString: second.connectionString,
      migrationsDir: MIGRATIONS_DIR,
      logger: captureLogger().logger,
    });
    const reopened = createPrisma({
      connectionString: second.connectionString,
      poolMax: second.maxConnections,
    });
    try {
      expect(again).toEqual({ applied: [], alreadyApplied: migrated.applied.length });
      await expect(reopened.customer.findUnique({ where: { id: customer.id } })).resolves.toEqual(customer);
    } finally {
      await reopened.$disconnect();
    }
  });

  it('refuses to open a data directory that is already open', async () => {
    await start();

    await expect(start()).rejects.toThrow(/already open/);
  });

  it('refuses a data directory another live process holds', async () => {
    await fs.mkdir(path.dirname(dataDir), { recursive: true });
    await fs.writeFile(`${dataDir}.lock`, String(process.ppid));

    await expect(start()).rejects.toThrow(new RegExp(`in use by process ${process.ppid}`));
  });

  it('serves a full pool and a migrator side by side while a transaction is open', async () => {
    const db = await start();
    await applyMigrations({
      connectionString: db.connectionString,
      migrationsDir: MIGRATIONS_DIR,
      logger: captureLogger().logger,
    });
    const pool = new pg.Pool({ connectionString: db.connectionString, max: db.maxConnections });
    const prisma = createPrisma({ connectionString: db.connectionString, poolMax: 1 });
    try {
      // Hold every pool connection at once, plus the Prisma client's and a migrator's: none is refused.
      const clients = await Promise.all(Array.from({ length: db.maxConnections }, () => pool.connect()));
      const inTransaction = clients[0] as pg.PoolClient;
      await inTransaction.query('BEGIN');
      await inTransaction.query(
        `INSERT INTO do_not_call_entries (id, phone, source) VALUES (gen_random_uuid(), '+15550001111', 'test')`,
      );
      // Other connections wait for the open transaction instead of failing.
      const waiting = prisma.doNotCallEntry.count();
      const migrating = applyMigrations({
        connectionString: db.connectionString,
        migrationsDir: MIGRATIONS_DIR,
        logger: captureLogger().logger,
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await inTransaction.query('COMMIT');

      await expect(waiting).resolves.toBe(1);
      await expect(migrating).resolves.toMatchObject({ applied: [] });
      const answers = await Promise.all(clients.map((c, i) => c.query('SELECT $1::int AS i', [i])));
      expect(answers.map((a) => a.rows[0].i)).toEqual(clients.map((_, i) => i));
      for (const client of clients) client.release();
    } finally {
      await prisma.$disconnect();
      await pool.end();
    }
  });
});
