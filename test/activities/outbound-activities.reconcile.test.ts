import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOutboundActivities,
  type DialPlaced,
  type PlaceDialInput,
} from '../../src/activities/outbound-activities.ts';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createLogger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import { createTwilioDialer } from '../../src/providers/twilio/dialer.ts';
import { SimOutbound } from '../../src/sim/twilio/outbound.ts';
import { createSimCallRegistry, createSimTwilioRest, type SimTwilioRest } from '../../src/sim/twilio/rest.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const ACCOUNT_SID = `AC${'4'.repeat(32)}`;
const AUTH_TOKEN = 'reconcile-auth-token-0123456789a';
const FROM = '+14155550100';
const logger = createLogger('silent');

/**
 * The dial activity's retry path, run as Temporal would run a second attempt: it must find the
 * call its crashed first attempt placed, must not mistake another attempt's call for it, and must
 * dial when the first attempt died before reaching Twilio.
 */
describe('dial activity: a retried attempt reconciles with Twilio', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  let rest: SimTwilioRest;
  const registry = createSimCallRegistry(ACCOUNT_SID);
  // Nobody answers; progress callbacks are not asked for here.
  const sim = new SimOutbound({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, logger, registry });
  let acts: ReturnType<typeof createOutboundActivities>;
  let contactId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyMigrations({ connectionString: db.url, migrationsDir: MIGRATIONS_DIR, logger });
    prisma = createPrisma({ connectionString: db.url, poolMax: 2 });
    rest = await createSimTwilioRest({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      logger,
      registry,
      outbound: sim,
    });
    const dialer = createTwilioDialer({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      baseUrl: await rest.listen(),
      logger,
    });
    acts = createOutboundActivities({ prisma, logger, dialer, publicBaseUrl: 'http://127.0.0.1:9' });
    const agent = await prisma.agent.create({
      data: { name: 'a', systemPrompt: 'p', greeting: 'g', voice: 'v', ttsModel: 't', sttModel: 's' },
    });
    const campaign = await prisma.campaign.create({ data: { name: 'c', agentId: agent.id, callerId: FROM } });
    const contact = await prisma.campaignContact.create({
      data: { campaignId: campaign.id, phone: '+14155555001', timeZone: 'UTC' },
    });
    contactId = contact.id;
  });
  afterAll(async () => {
    await sim.close();
    await rest?.close();
    await prisma?.$disconnect();
    await db?.drop();
  });

  const input = (to: string, attempt: number, claimedAt: string): PlaceDialInput => ({
    workflowId: `dial:${contactId}:${attempt}`,
    to,
    from: FROM,
    contactId,
    attempt,
    claimedAt,
    machineDetection: false,
    ringTimeoutSec: 5,
  });
  const retry = () => new MockActivityEnvironment({ attempt: 2 });
  /** A call Twilio accepted from a try whose worker died before the CallSid was stored. */
  const callPlacedByDeadTry = () =>
    registry.registerCall({ from: FROM, to: '+14155555001', direction: 'outbound-api', status: 'ringing' });

  it('adopts the call its first try placed instead of dialing again', async () => {
    const claim = await acts.claimDial({ contactId, attempt: 1 });
    // The first try's Calls.create reached Twilio; its worker died before storing the CallSid.
    const placed = callPlacedByDeadTry();
    const result = await retry().run(acts.placeDial, input('+14155555001', 1, claim.claimedAt));
    expect(result).toEqual({ callSid: placed.sid, reconciled: true });
    expect(sim.dialCount('+14155555001')).toBe(0);
    const row = await prisma.dialAttempt.findUniqueOrThrow({
      where: { contactId_attempt: { contactId, attempt: 1 } },
    });
    expect(row.callSid).toBe(placed.sid);
  });

  it("never takes an earlier attempt's call for its own", async () => {
    await acts.recordDialOutcome({ contactId, attempt: 1, disposition: 'no_answer' });
    const claim = await acts.claimDial({ contactId, attempt: 2 });
    const result: DialPlaced = await retry().run(acts.placeDial, input('+14155555001', 2, claim.claimedAt));
    expect(result.reconciled).toBeUndefined();
    expect(sim.dialCount('+14155555001')).toBe(1);
    const rows = await prisma.dialAttempt.findMany({ where: { contactId }, orderBy: { attempt: 'asc' } });
    expect(rows.map((r) => r.callSid)).toEqual([expect.any(String), result.callSid]);
    expect(new Set(rows.map((r) => r.callSid)).size).toBe(2);
  });

  it('returns the stored CallSid when the first try got as far as storing it', async () => {
    const claim = await acts.claimDial({ contactId, attempt: 2 });
    const stored = await prisma.dialAttempt.findUniqueOrThrow({
      where: { contactId_attempt: { contactId, attempt: 2 } },
    });
    const result: DialPlaced = await retry().run(acts.placeDial, input('+14155555001', 2, claim.claimedAt));
    expect(result).toEqual({ callSid: stored.callSid, reconciled: true });
    expect(sim.dialCount('+14155555001')).toBe(1);
  });

  // A local activity re-run after its worker died starts again at attempt 1: only the mark the
  // first run left on the attempt row says a call may exist.
  it('marks the attempt before dialing, and a first-attempt re-run that finds the mark looks up', async () => {
    const firstTry = () => new MockActivityEnvironment({ attempt: 1 });
    const claim3 = await acts.claimDial({ contactId, attempt: 3 });
    const dialed: DialPlaced = await firstTry().run(
      acts.placeDial,
      input('+14155555001', 3, claim3.claimedAt),
    );
    expect(dialed.reconciled).toBeUndefined();
    expect(sim.dialCount('+14155555001')).toBe(2);
    const row3 = await prisma.dialAttempt.findUniqueOrThrow({
      where: { contactId_attempt: { contactId, attempt: 3 } },
    });
    expect(row3).toMatchObject({ callSid: dialed.callSid, dialStartedAt: expect.any(Date) });

    await acts.recordDialOutcome({ contactId, attempt: 3, disposition: 'no_answer' });
    const claim4 = await acts.claimDial({ contactId, attempt: 4 });
    // The first run marked attempt 4 and reached Twilio; it died before storing the CallSid.
    await prisma.dialAttempt.update({
      where: { contactId_attempt: { contactId, attempt: 4 } },
      data: { dialStartedAt: new Date() },
    });
    const placed = callPlacedByDeadTry();
    const rerun = await firstTry().run(acts.placeDial, input('+14155555001', 4, claim4.claimedAt));
    expect(rerun).toEqual({ callSid: placed.sid, reconciled: true });
    expect(sim.dialCount('+14155555001')).toBe(2);
  });

  it('leaves no mark when the number is on the do-not-call list', async () => {
    const phone = '+14155555002';
    await prisma.doNotCallEntry.create({ data: { phone, source: 'import' } });
    const other = await prisma.campaignContact.create({
      data: { campaignId: (await prisma.campaign.findFirstOrThrow()).id, phone, timeZone: 'UTC' },
    });
    const claim = await acts.claimDial({ contactId: other.id, attempt: 1 });
    const result: DialPlaced = await new MockActivityEnvironment({ attempt: 1 }).run(acts.placeDial, {
      ...input(phone, 1, claim.claimedAt),
      contactId: other.id,
    });
    expect(result.disposition).toBe('do_not_call');
    expect(sim.dialCount(phone)).toBe(0);
    const row = await prisma.dialAttempt.findUniqueOrThrow({
      where: { contactId_attempt: { contactId: other.id, attempt: 1 } },
    });
    expect(row.dialStartedAt).toBeNull();
  });
});
