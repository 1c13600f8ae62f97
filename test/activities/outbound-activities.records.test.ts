import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundActivities } from '../../src/activities/outbound-activities.ts';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createLogger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const logger = createLogger('silent');
const FROM = '+14155550100';
const CLOCK = new Date('2026-03-02T15:00:00.000Z');

/**
 * The dial's Postgres writes, each one statement since claimDial and recordDialOutcome became
 * local activities on every dial's path: the claim, the refusal of an unknown contact, the outcome
 * recorded once, and the DNC gate read together with the attempt's stored CallSid.
 */
describe('dial records: claim, gates and outcome', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let acts: ReturnType<typeof createOutboundActivities>;
  let campaignId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyMigrations({ connectionString: db.url, migrationsDir: MIGRATIONS_DIR, logger });
    prisma = createPrisma({ connectionString: db.url, poolMax: 2 });
    // No dialer: a dial that passes the gates fails with NoTelephony, so nothing is ever placed.
    acts = createOutboundActivities({ prisma, logger, now: () => CLOCK });
    const agent = await prisma.agent.create({
      data: { name: 'a', systemPrompt: 'p', greeting: 'g', voice: 'v', ttsModel: 't', sttModel: 's' },
    });
    campaignId = (await prisma.campaign.create({ data: { name: 'c', agentId: agent.id, callerId: FROM } }))
      .id;
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  const newContact = async (phone: string) =>
    (await prisma.campaignContact.create({ data: { campaignId, phone, timeZone: 'UTC' } })).id;

  it('claims an attempt once; claiming it again returns the first claim and its outcome', async () => {
    const contactId = await newContact('+14155556001');
    expect(await acts.claimDial({ contactId, attempt: 1 })).toEqual({ claimedAt: CLOCK.toISOString() });
    await prisma.dialAttempt.updateMany({
      where: { contactId },
      data: { callSid: 'CA1', disposition: 'busy' },
    });
    expect(await acts.claimDial({ contactId, attempt: 1 })).toEqual({
      claimedAt: CLOCK.toISOString(),
      callSid: 'CA1',
      disposition: 'busy',
    });
    const rows = await prisma.dialAttempt.findMany({ where: { contactId } });
    expect(rows).toHaveLength(1);
    // Time-ordered ids, as Prisma's uuid(7) default makes them.
    expect(rows[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it.each([
    ['an unknown contact', '0190a5e2-0000-7000-8000-000000000000'],
    ['a malformed contact id', 'not-a-uuid'],
  ])('refuses %s without writing anything, and not retryably', async (_label, contactId) => {
    const before = await prisma.dialAttempt.count();
    const err = await acts.claimDial({ contactId, attempt: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'UnknownContact', nonRetryable: true });
    expect(await prisma.dialAttempt.count()).toBe(before);
  });

  it('records the outcome once, keeps the higher attempt count and an opt-out', async () => {
    const contactId = await newContact('+14155556002');
    await acts.claimDial({ contactId, attempt: 2 });
    await acts.recordDialOutcome({ contactId, attempt: 2, disposition: 'no_answer' });
    await acts.recordDialOutcome({ contactId, attempt: 2, disposition: 'answered' });
    expect(
      await prisma.dialAttempt.findUniqueOrThrow({ where: { contactId_attempt: { contactId, attempt: 2 } } }),
    ).toMatchObject({ disposition: 'no_answer', finishedAt: CLOCK });
    // A late outcome of an earlier attempt does not lower the count.
    await acts.recordDialOutcome({ contactId, attempt: 1, disposition: 'busy' });
    expect(await prisma.campaignContact.findUniqueOrThrow({ where: { id: contactId } })).toMatchObject({
      attempts: 2,
      disposition: 'busy',
    });
    await prisma.campaignContact.update({ where: { id: contactId }, data: { disposition: 'do_not_call' } });
    await acts.recordDialOutcome({ contactId, attempt: 2, disposition: 'answered' });
    expect((await prisma.campaignContact.findUniqueOrThrow({ where: { id: contactId } })).disposition).toBe(
      'do_not_call',
    );
  });

  it('stops at the do-not-call list, and a stored CallSid wins over every gate', async () => {
    const env = new MockActivityEnvironment();
    const contactId = await newContact('+14155556003');
    await prisma.doNotCallEntry.create({ data: { phone: '+14155556003', source: 'caller_request' } });
    const input = {
      workflowId: `dial:${contactId}:1`,
      to: '+14155556003',
      from: FROM,
      contactId,
      attempt: 1,
      claimedAt: CLOCK.toISOString(),
      machineDetection: false,
      ringTimeoutSec: 5,
    };
    await acts.claimDial({ contactId, attempt: 1 });
    expect(await env.run(acts.placeDial, input)).toEqual({
      disposition: 'do_not_call',
      detail: 'on the do-not-call list (caller_request)',
    });
    await prisma.dialAttempt.updateMany({ where: { contactId }, data: { callSid: 'CA-stored' } });
    expect(await env.run(acts.placeDial, input)).toEqual({ callSid: 'CA-stored', reconciled: true });
    // A number that passes the gates reaches the dialer, which this worker does not have.
    const clear = { ...input, to: '+14155556004', contactId: undefined };
    await expect(env.run(acts.placeDial, clear)).rejects.toMatchObject({ type: 'NoTelephony' });
  });
});
