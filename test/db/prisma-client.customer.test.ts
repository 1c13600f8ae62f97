import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma, type PrismaClient, pingDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { captureLogger, MIGRATIONS_DIR } from './helpers.ts';

describe('the Prisma client through adapter-pg', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyMigrations({
      connectionString: db.url,
      migrationsDir: MIGRATIONS_DIR,
      logger: captureLogger().logger,
    });
    prisma = createPrisma({ connectionString: db.url, poolMax: 2 });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('answers a ping', async () => {
    await expect(pingDatabase(prisma)).resolves.toBeUndefined();
  });

  it('creates a customer and reads it back by phone', async () => {
    const created = await prisma.customer.create({
      data: { phone: '+14155550100', name: 'Ada Lovelace', timeZone: 'America/Los_Angeles' },
    });

    const found = await prisma.customer.findUnique({ where: { phone: '+14155550100' } });

    expect(found).toEqual(created);
    expect(found).toMatchObject({ name: 'Ada Lovelace', timeZone: 'America/Los_Angeles' });
    // uuid(7): time-ordered ids, version nibble 7.
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.createdAt).toBeInstanceOf(Date);
  });

  it('fails a ping with the driver error when the database is unreachable', async () => {
    const unreachable = createPrisma({
      connectionString: 'postgresql://nobody@127.0.0.1:1/none',
      poolMax: 1,
    });
    try {
      await expect(pingDatabase(unreachable)).rejects.toThrow();
    } finally {
      await unreachable.$disconnect();
    }
  });
});
