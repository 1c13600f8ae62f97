import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, type Customer, createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { captureLogger, MIGRATIONS_DIR } from './helpers.ts';

// The guards written as raw SQL in the init migration, which Prisma's schema cannot express.
describe('database guards', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let agent: Agent;
  let customer: Customer;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyMigrations({
      connectionString: db.url,
      migrationsDir: MIGRATIONS_DIR,
      logger: captureLogger().logger,
    });
    prisma = createPrisma({ connectionString: db.url, poolMax: 2 });
    agent = await prisma.agent.create({ data: agentData('Front desk', true) });
    customer = await prisma.customer.create({ data: { phone: '+442071838750' } });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  function agentData(name: string, isDefault = false) {
    return {
      name,
      systemPrompt: 'You book appointments.',
      greeting: 'Hello!',
      voice: 'aura',
      ttsModel: 'm',
      sttModel: 'nova',
      isDefault,
    };
  }

  function book(startsAt: Date) {
    return prisma.appointment.create({
      data: {
        agentId: agent.id,
        customerId: customer.id,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 30 * 60_000),
        timeZone: 'Europe/London',
      },
    });
  }

  it('refuses a second live appointment in the same agent slot', async () => {
    const slot = new Date('2030-01-07T09:00:00Z');
    await book(slot);

    await expect(book(slot)).rejects.toMatchObject({ code: 'P2002' });
  });

  it('frees the slot when the appointment is cancelled', async () => {
    const slot = new Date('2030-01-07T10:00:00Z');
    const first = await book(slot);
    await prisma.appointment.update({ where: { id: first.id }, data: { status: 'cancelled' } });

    await expect(book(slot)).resolves.toMatchObject({ status: 'booked' });
  });

  it('keeps a rescheduled appointment holding its slot', async () => {
    const first = await book(new Date('2030-01-07T11:00:00Z'));
    const moved = new Date('2030-01-07T12:00:00Z');
    await prisma.appointment.update({
      where: { id: first.id },
      data: { status: 'rescheduled', startsAt: moved, endsAt: new Date(moved.getTime() + 30 * 60_000) },
    });

    await expect(book(moved)).rejects.toMatchObject({ code: 'P2002' });
  });

  it('refuses an appointment that ends before it starts', async () => {
    const startsAt = new Date('2030-01-08T09:00:00Z');
    const create = prisma.appointment.create({
      data: { agentId: agent.id, customerId: customer.id, startsAt, endsAt: startsAt, timeZone: 'UTC' },
    });
    await expect(create).rejects.toThrow(/appointments_time_range_check/);
  });

  it('allows only one default agent', async () => {
    await expect(prisma.agent.create({ data: agentData('Second default', true) })).rejects.toMatchObject({
      code: 'P2002',
    });
    await expect(prisma.agent.create({ data: agentData('Not default') })).resolves.toMatchObject({
      isDefault: false,
    });
  });

  it('refuses phone numbers that are not E.164', async () => {
    await expect(prisma.customer.create({ data: { phone: '020 7183 8750' } })).rejects.toThrow(
      /customers_phone_e164_check/,
    );
    await expect(prisma.doNotCallEntry.create({ data: { phone: '+0123', source: 'api' } })).rejects.toThrow(
      /do_not_call_entries_phone_e164_check/,
    );
  });

  it('keeps the audit log append-only except for the retention purge', async () => {
    const entry = await prisma.auditLogEntry.create({ data: { action: 'api_key.create', role: 'admin' } });

    await expect(
      prisma.auditLogEntry.update({ where: { id: entry.id }, data: { action: 'rewritten' } }),
    ).rejects.toThrow(/append-only/);
    await expect(prisma.auditLogEntry.delete({ where: { id: entry.id } })).rejects.toThrow(/append-only/);

    const purged = await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SET LOCAL switchboard.audit_purge = 'on'`;
      return tx.auditLogEntry.deleteMany({ where: { id: entry.id } });
    });
    expect(purged.count).toBe(1);
  });
});
