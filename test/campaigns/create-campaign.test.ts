import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/create-campaign.ts';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { readContactsCsv } from '../../src/domain/campaign-csv.ts';
import { CampaignValidationError } from '../../src/domain/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { phoneFor } from '../support/campaigns.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('campaign creation', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let agentId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyMigrations({
      connectionString: db.url,
      migrationsDir: MIGRATIONS_DIR,
      logger: createLogger('silent'),
    });
    prisma = createPrisma({ connectionString: db.url, poolMax: 4 });
    agentId = (await seedDefaultAgent(prisma)).id;
    await prisma.doNotCallEntry.create({ data: { phone: '+14155559999', source: 'caller_request' } });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  const base = () => ({
    name: 'Renewals',
    agentId,
    concurrencyLimit: 3,
    pacingPerMinute: 30,
    callerId: '+14155550100',
  });

  async function rejection(promise: Promise<unknown>): Promise<CampaignValidationError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CampaignValidationError);
    return err as CampaignValidationError;
  }

  it('rejects bad rows with their numbers and fields, and writes nothing', async () => {
    const err = await rejection(
      createCampaign(prisma, {
        ...base(),
        contacts: [
          { phone: '+14155552671', timeZone: 'America/New_York' },
          { phone: '12', timeZone: 'America/New_York' },
          { phone: '+14155552672', timeZone: 'Nowhere/Special' },
          { phone: '+14155559999', timeZone: 'UTC' },
          { phone: '+1 (415) 555-2671', timeZone: 'UTC' },
        ],
      }),
    );
    expect(err.issues).toEqual([
      { row: 2, field: 'phone', message: expect.any(String) },
      { row: 3, field: 'timeZone', message: 'unknown time zone "Nowhere/Special"' },
      { row: 4, field: 'phone', message: 'on the do-not-call list' },
      { row: 5, field: 'phone', message: 'duplicate of row 1' },
    ]);
    expect(await prisma.campaign.count()).toBe(0);
    expect(await prisma.campaignContact.count()).toBe(0);
  });

  it('rejects settings that cannot work and an unknown agent', async () => {
    const err = await rejection(
      createCampaign(prisma, {
        ...base(),
        concurrencyLimit: 0,
        pacingPerMinute: 0,
        callingHours: { mon: [], sat: [] },
        contacts: [{ phone: '+14155552671', timeZone: 'UTC' }],
      }),
    );
    expect(err.issues.map((i) => i.field).sort()).toEqual([
      'callingHours',
      'concurrencyLimit',
      'pacingPerMinute',
    ]);
    const unknown = await rejection(
      createCampaign(prisma, {
        ...base(),
        agentId: '01900000-0000-7000-8000-00000000abcd',
        contacts: [{ phone: '+14155552671', timeZone: 'UTC' }],
      }),
    );
    expect(unknown.issues).toEqual([{ field: 'agentId', message: expect.stringMatching(/unknown agent/) }]);
    async function* malformed() {
      yield 'phone,time_zone\n+14155552671,UTC\n"+14155552672,UTC\n';
    }
    const csv = await rejection(
      createCampaign(prisma, { ...base(), contacts: readContactsCsv(malformed()) }),
    );
    expect(csv.issues).toEqual([
      { row: 3, field: 'csv', message: 'CSV record 3: unterminated quoted field' },
    ]);
    const empty = await rejection(createCampaign(prisma, { ...base(), contacts: [] }));
    expect(empty.issues).toEqual([{ field: 'contacts', message: 'a campaign needs at least one contact' }]);
    expect(await prisma.campaign.count()).toBe(0);
  });

  it('creates a campaign from a CSV upload with defaults and per-contact variables', async () => {
    const csv = 'phone,time_zone,first_name\n+14155552671,America/Chicago,Ann\n+14155552672,Europe/Paris,\n';
    async function* upload() {
      yield new TextEncoder().encode(csv);
    }
    const { campaignId, contactCount } = await createCampaign(prisma, {
      ...base(),
      promptVariables: { offer: 'spring' },
      contacts: readContactsCsv(upload()),
    });
    expect(contactCount).toBe(2);
    const campaign = await prisma.campaign.findUniqueOrThrow({
      where: { id: campaignId },
      include: { contacts: { orderBy: { phone: 'asc' } } },
    });
    expect(campaign).toMatchObject({
      status: 'draft',
      promptVariables: { offer: 'spring' },
      retryRules: { maxAttempts: 3, retryAfterMs: { busy: 600_000, no_answer: 14_400_000 } },
      callingHours: { mon: [['08:00', '21:00']] },
    });
    expect(campaign.contacts.map((c) => [c.phone, c.timeZone, c.variables, c.status])).toEqual([
      ['+14155552671', 'America/Chicago', { first_name: 'Ann' }, 'pending'],
      ['+14155552672', 'Europe/Paris', {}, 'pending'],
    ]);
    await prisma.campaign.delete({ where: { id: campaignId } });
  });

  it('takes 100,000 contacts from a streamed CSV', async () => {
    async function* bigCsv() {
      yield 'phone,time_zone,ref\n';
      for (let i = 0; i < 100_000; i += 1_000) {
        let chunk = '';
        for (let k = i; k < i + 1_000; k++) chunk += `${phoneFor(k)},America/Los_Angeles,r${k}\n`;
        yield chunk;
      }
    }
    const started = Date.now();
    const { campaignId, contactCount } = await createCampaign(prisma, {
      ...base(),
      contacts: readContactsCsv(bigCsv()),
    });
    const elapsedMs = Date.now() - started;
    expect(contactCount).toBe(100_000);
    expect(await prisma.campaignContact.count({ where: { campaignId } })).toBe(100_000);
    // Ids follow the file's order, so the first pass dials in upload order.
    const byId = await prisma.campaignContact.findMany({
      where: { campaignId },
      orderBy: { id: 'asc' },
      select: { variables: true },
    });
    const outOfOrder = byId.findIndex((c, k) => (c.variables as { ref: string }).ref !== `r${k}`);
    expect(outOfOrder).toBe(-1);
    console.info(JSON.stringify({ test: 'create-100k', contacts: contactCount, elapsedMs }));
  }, 300_000);
});
