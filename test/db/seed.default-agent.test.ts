import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { ensureDefaultAgent } from '../../src/db/seed.ts';
import { createLogger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('default agent seed', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  beforeAll(async () => {
    db = await createTestDatabase();
    await applyMigrations({
      connectionString: db.url,
      migrationsDir: MIGRATIONS_DIR,
      logger: createLogger('silent'),
    });
    prisma = createPrisma({ connectionString: db.url, poolMax: 4 });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('creates one default agent, even when several roles seed at once, and never overwrites edits', async () => {
    const results = await Promise.all([
      ensureDefaultAgent(prisma),
      ensureDefaultAgent(prisma),
      ensureDefaultAgent(prisma),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.agentId)).size).toBe(1);
    await prisma.agent.update({ where: { id: results[0]?.agentId }, data: { greeting: 'Edited' } });
    expect(await ensureDefaultAgent(prisma)).toEqual({ created: false, agentId: results[0]?.agentId });
    expect(await prisma.agent.findMany({ select: { greeting: true, isDefault: true } })).toEqual([
      { greeting: 'Edited', isDefault: true },
    ]);
  });
});
