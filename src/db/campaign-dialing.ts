import type { PrismaClient } from './client.ts';
import type { CampaignStatus, ContactStatus, DialDisposition } from './enums.ts';

/**
 * Contact reads and writes behind the campaign workflow's activities. Every write is idempotent
 * (guarded by the contact's attempt count or status) because an activity may run twice.
 */

export interface DialableContact {
  id: string;
  phone: string;
  timeZone: string;
  variables: Record<string, string>;
  /** Attempts already made; the next one is `attempts + 1`. */
  attempts: number;
}

export interface ContactOutcome {
  contactId: string;
  attempt: number;
  disposition: DialDisposition;
  status: ContactStatus;
  nextAttemptAtMs?: number;
  callSid?: string;
}

export interface ContactUpdates {
  /** Contacts whose attempt has started. */
  marks: { contactId: string; attempt: number }[];
  /** Contacts to try later (outside calling hours now). */
  deferrals: { contactId: string; atMs: number }[];
  outcomes: ContactOutcome[];
}

export interface CampaignCounts {
  contactsByStatus: Record<string, number>;
  dispositions: Record<string, number>;
}

const SELECT_DIALABLE = { id: true, phone: true, timeZone: true, variables: true, attempts: true } as const;

/** First pass: the next page by id after `afterId`, whatever the status (so a retry sees the same page). */
export async function contactPage(
  prisma: PrismaClient,
  campaignId: string,
  afterId: string | undefined,
  limit: number,
) {
  const rows = await prisma.campaignContact.findMany({
    where: { campaignId, ...(afterId ? { id: { gt: afterId } } : {}) },
    orderBy: { id: 'asc' },
    take: limit,
    select: { ...SELECT_DIALABLE, status: true },
  });
  const pending = rows.filter((r) => r.status === 'pending');
  return {
    rows: await withoutDoNotCall(prisma, pending),
    lastId: rows.at(-1)?.id,
    exhausted: rows.length < limit,
  };
}

/** Contacts whose next attempt (a retry, or a deferred first attempt) is due at `now`. */
export async function dueContacts(prisma: PrismaClient, campaignId: string, now: Date, limit: number) {
  const waiting = { campaignId, status: { in: ['pending', 'retry_scheduled'] as ContactStatus[] } };
  const rows = await prisma.campaignContact.findMany({
    where: { ...waiting, nextAttemptAt: { lte: now } },
    orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
    take: limit,
    select: SELECT_DIALABLE,
  });
  const next = await prisma.campaignContact.findFirst({
    where: { ...waiting, nextAttemptAt: { gt: now } },
    orderBy: { nextAttemptAt: 'asc' },
    select: { nextAttemptAt: true },
  });
  return {
    rows: await withoutDoNotCall(prisma, rows),
    more: rows.length === limit,
    nextDueAt: next?.nextAttemptAt ?? undefined,
  };
}

/** Numbers added to the do-not-call list after creation are skipped here, before any dial. */
async function withoutDoNotCall<T extends { id: string; phone: string }>(prisma: PrismaClient, rows: T[]) {
  if (rows.length === 0) return [];
  const blocked = await prisma.doNotCallEntry.findMany({
    where: { phone: { in: rows.map((r) => r.phone) } },
    select: { phone: true },
  });
  if (blocked.length === 0) return rows;
  const phones = new Set(blocked.map((b) => b.phone));
  await prisma.campaignContact.updateMany({
    where: {
      id: { in: rows.filter((r) => phones.has(r.phone)).map((r) => r.id) },
      status: { in: ['pending', 'retry_scheduled'] },
    },
    data: { status: 'skipped', disposition: 'do_not_call', nextAttemptAt: null },
  });
  return rows.filter((r) => !phones.has(r.phone));
}

export async function applyContactUpdates(prisma: PrismaClient, u: ContactUpdates): Promise<void> {
  await prisma.$transaction(async (tx) => {
    if (u.marks.length > 0) {
      // A late mark must not undo an outcome already recorded for the same attempt.
      await tx.$executeRaw`
        UPDATE campaign_contacts c SET status = 'dialing', next_attempt_at = NULL, updated_at = now()
        FROM unnest(${u.marks.map((m) => m.contactId)}::uuid[], ${u.marks.map((m) => m.attempt)}::int[]) AS m(id, attempt)
        WHERE c.id = m.id AND c.attempts = m.attempt - 1 AND c.status IN ('pending', 'retry_scheduled')`;
    }
    if (u.outcomes.length > 0) await recordOutcomes(tx as unknown as PrismaClient, u.outcomes);
    if (u.deferrals.length > 0) {
      await tx.$executeRaw`
        UPDATE campaign_contacts c SET next_attempt_at = to_timestamp(d.at_ms / 1000.0), updated_at = now()
        FROM unnest(${u.deferrals.map((d) => d.contactId)}::uuid[], ${u.deferrals.map((d) => d.atMs)}::float8[]) AS d(id, at_ms)
        WHERE c.id = d.id AND c.status IN ('pending', 'retry_scheduled')`;
    }
  });
}

/**
 * The dialer (`recordDialOutcome`) has usually counted the attempt on the contact already, so an
 * attempt count equal to the outcome's still takes the status while the contact is open. A final
 * status set meanwhile (an opt-out during the call: skipped) is kept.
 */
async function recordOutcomes(tx: PrismaClient, outcomes: ContactOutcome[]): Promise<void> {
  const ids = outcomes.map((o) => o.contactId);
  const attempts = outcomes.map((o) => o.attempt);
  const dispositions = outcomes.map((o) => o.disposition);
  await tx.$executeRaw`
    UPDATE campaign_contacts c SET attempts = o.attempt, status = o.status::contact_status,
      disposition = o.disposition::dial_disposition,
      next_attempt_at = CASE WHEN o.next_ms IS NULL THEN NULL ELSE to_timestamp(o.next_ms / 1000.0) END,
      updated_at = now()
    FROM unnest(${ids}::uuid[], ${attempts}::int[], ${outcomes.map((o) => o.status)}::text[],
                ${dispositions}::text[], ${outcomes.map((o) => o.nextAttemptAtMs ?? null)}::float8[])
      AS o(id, attempt, status, disposition, next_ms)
    WHERE c.id = o.id AND (c.attempts < o.attempt OR
      (c.attempts = o.attempt AND c.status IN ('pending', 'dialing', 'retry_scheduled')))`;
  // The dialer claims the attempt row before it dials; fill in what it has not (or create the
  // record when the dial never got that far), never overwriting its own values.
  await tx.$executeRaw`
    INSERT INTO dial_attempts (id, contact_id, attempt, disposition, call_sid, finished_at)
    SELECT gen_random_uuid(), o.id, o.attempt, o.disposition::dial_disposition, o.call_sid, now()
    FROM unnest(${ids}::uuid[], ${attempts}::int[], ${dispositions}::text[],
                ${outcomes.map((o) => o.callSid ?? null)}::text[]) AS o(id, attempt, disposition, call_sid)
    ON CONFLICT (contact_id, attempt) DO UPDATE SET
      disposition = COALESCE(dial_attempts.disposition, EXCLUDED.disposition),
      finished_at = COALESCE(dial_attempts.finished_at, EXCLUDED.finished_at)`;
}

/**
 * One index-only scan of (campaign_id, status, disposition) for both tallies: the campaign
 * workflow asks every second while it runs, so this must not grow with the rest of the table.
 */
export async function campaignCounts(prisma: PrismaClient, campaignId: string): Promise<CampaignCounts> {
  const rows = await prisma.campaignContact.groupBy({
    by: ['status', 'disposition'],
    where: { campaignId },
    _count: { _all: true },
  });
  const contactsByStatus: Record<string, number> = {};
  const dispositions: Record<string, number> = {};
  for (const r of rows) {
    contactsByStatus[r.status] = (contactsByStatus[r.status] ?? 0) + r._count._all;
    if (r.disposition !== null)
      dispositions[r.disposition] = (dispositions[r.disposition] ?? 0) + r._count._all;
  }
  return { contactsByStatus, dispositions };
}

/** What a dial attempt's own record says about its end (none while the attempt is open). */
export async function dialAttemptOutcome(
  prisma: PrismaClient,
  contactId: string,
  attempt: number,
): Promise<{ disposition?: DialDisposition; callSid?: string }> {
  const row = await prisma.dialAttempt.findUnique({
    where: { contactId_attempt: { contactId, attempt } },
    select: { disposition: true, callSid: true },
  });
  return { disposition: row?.disposition ?? undefined, callSid: row?.callSid ?? undefined };
}

/** After calling hours changed: deferred first attempts become due now and are re-checked. */
export async function reopenDeferred(prisma: PrismaClient, campaignId: string, now: Date): Promise<number> {
  const r = await prisma.campaignContact.updateMany({
    where: { campaignId, status: 'pending', nextAttemptAt: { gt: now } },
    data: { nextAttemptAt: now },
  });
  return r.count;
}

/** Cancelling: nothing still waiting will be dialed. Contacts in flight keep their outcome. */
export async function cancelWaitingContacts(prisma: PrismaClient, campaignId: string): Promise<number> {
  const r = await prisma.campaignContact.updateMany({
    where: { campaignId, status: { in: ['pending', 'retry_scheduled'] } },
    data: { status: 'cancelled', nextAttemptAt: null },
  });
  return r.count;
}

export async function setCampaignStatus(
  prisma: PrismaClient,
  campaignId: string,
  status: CampaignStatus,
  at: Date,
): Promise<void> {
  const finished = status === 'completed' || status === 'cancelled';
  await prisma.campaign.update({
    where: { id: campaignId },
    data: { status, ...(finished ? { finishedAt: at } : {}) },
  });
}
