import { ApplicationFailure, activityInfo } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.ts';
import type { DialDisposition } from '../db/enums.ts';
import { orderedIds } from '../db/ids.ts';
import { ProviderError } from '../domain/errors.ts';
import { isE164 } from '../domain/phone.ts';
import type { Logger } from '../logger.ts';
import type { OutboundDialer } from '../providers/ports.ts';

export interface OutboundActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  /** Twilio Calls.create; absent when no telephony is configured (dialing then fails fast). */
  dialer?: OutboundDialer;
  /** The realtime node's public origin: Twilio fetches TwiML and posts progress there. */
  publicBaseUrl?: string;
  now?: () => Date;
}

export interface ClaimedDial {
  /** When the attempt was first claimed; a retried dial looks for calls placed since then. */
  claimedAt: string;
  callSid?: string;
  disposition?: DialDisposition;
}

export interface PlaceDialInput {
  workflowId: string;
  to: string;
  from: string;
  contactId?: string;
  attempt?: number;
  claimedAt: string;
  machineDetection: boolean;
  ringTimeoutSec: number;
}

export interface DialPlaced {
  callSid?: string;
  /** Set when no call was placed: the number is refused, on the do-not-call list, or invalid. */
  disposition?: DialDisposition;
  detail?: string;
  /** The call was found at Twilio by a retried dial rather than placed by this attempt. */
  reconciled?: boolean;
}

/**
 * Twilio stamps calls with whole seconds and its clock is not ours: a retried dial searches from
 * this long before the claim so the call it placed is never missed.
 */
const RECONCILE_SKEW_MS = 120_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createOutboundActivities(deps: OutboundActivityDeps) {
  const now = deps.now ?? (() => new Date());
  const { prisma } = deps;

  /**
   * The CallSid goes on the claimed attempt once; the unique index refuses another attempt's call.
   * Raw SQL: it runs on every dial, and the query builder cost twice the CPU (0.85 against 0.40 ms).
   */
  async function storeCallSid(input: PlaceDialInput, callSid: string): Promise<void> {
    if (!input.contactId || !UUID.test(input.contactId)) return;
    await prisma.$executeRaw`
      UPDATE dial_attempts SET call_sid = ${callSid}
      WHERE contact_id = ${input.contactId}::uuid AND attempt = ${input.attempt ?? 1} AND call_sid IS NULL`;
  }

  /** After a crash between Twilio accepting and the CallSid being stored: find that call. */
  async function reconcile(input: PlaceDialInput, dialer: OutboundDialer): Promise<string | undefined> {
    const since = new Date(Date.parse(input.claimedAt) - RECONCILE_SKEW_MS);
    const calls = await dialer.findRecentCalls({ to: input.to, from: input.from, since });
    const owned = await prisma.dialAttempt.findMany({
      where: { callSid: { in: calls.map((c) => c.sid) } },
      select: { callSid: true },
    });
    const taken = new Set(owned.map((o) => o.callSid));
    const mine = calls.filter((c) => !taken.has(c.sid)).sort((a, b) => +a.createdAt - +b.createdAt)[0];
    return mine?.sid;
  }

  /**
   * What the dial must know before calling Twilio, in one round trip: the CallSid already stored
   * on this attempt (a retry after the call was placed), the do-not-call entry for the number, and
   * whether a dial of this attempt got this far before. Unless a call is stored or the number is
   * on the list, the same statement marks the attempt as dialing: the mark is durable before
   * Twilio is asked, so a re-run that finds it knows a call may exist. The attempt number cannot
   * tell: a local activity re-run after its worker died starts again at attempt 1.
   */
  async function dialGates(
    input: PlaceDialInput,
  ): Promise<{ callSid?: string; dncSource: string | null; startedBefore: boolean }> {
    const contactId = input.contactId && UUID.test(input.contactId) ? input.contactId : null;
    const [row] = await prisma.$queryRaw<
      { call_sid: string | null; dnc_source: string | null; started_before: boolean | null }[]
    >`
      WITH dnc AS (SELECT source FROM do_not_call_entries WHERE phone = ${input.to}),
      prev AS (
        SELECT id, call_sid, dial_started_at FROM dial_attempts
        WHERE contact_id = ${contactId}::uuid AND attempt = ${input.attempt ?? 1}),
      marked AS (
        UPDATE dial_attempts d SET dial_started_at = ${now()}
        FROM prev
        WHERE d.id = prev.id AND prev.call_sid IS NULL AND prev.dial_started_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM dnc))
      SELECT (SELECT call_sid FROM prev) AS call_sid,
             (SELECT source FROM dnc) AS dnc_source,
             (SELECT dial_started_at IS NOT NULL FROM prev) AS started_before`;
    return {
      callSid: row?.call_sid ?? undefined,
      dncSource: row?.dnc_source ?? null,
      startedBefore: row?.started_before === true,
    };
  }

  return {
    /**
     * Claims (contact, attempt) before anything is dialed; a second claim returns the first. One
     * statement (one round trip per dial): the insert selects the contact, so no row back means
     * there is no such contact, and a conflicting claim returns the existing row.
     */
    async claimDial(input: { contactId?: string; attempt?: number }): Promise<ClaimedDial> {
      if (!input.contactId) return { claimedAt: now().toISOString() };
      const attempt = input.attempt ?? 1;
      if (!Number.isInteger(attempt) || attempt < 1) {
        throw ApplicationFailure.nonRetryable(
          `attempt must be a positive integer, got ${attempt}`,
          'BadInput',
        );
      }
      if (!UUID.test(input.contactId))
        throw ApplicationFailure.nonRetryable('no such campaign contact', 'UnknownContact');
      const at = now();
      const [row] = await prisma.$queryRaw<
        { claimed_at: Date; call_sid: string | null; disposition: DialDisposition | null }[]
      >`
        INSERT INTO dial_attempts (id, contact_id, attempt, claimed_at)
        SELECT ${orderedIds(1, at.getTime())[0]}::uuid, c.id, ${attempt}, ${at}
        FROM campaign_contacts c WHERE c.id = ${input.contactId}::uuid
        ON CONFLICT (contact_id, attempt) DO UPDATE SET attempt = dial_attempts.attempt
        RETURNING claimed_at, call_sid, disposition::text AS disposition`;
      if (!row) throw ApplicationFailure.nonRetryable('no such campaign contact', 'UnknownContact');
      return {
        claimedAt: row.claimed_at.toISOString(),
        callSid: row.call_sid ?? undefined,
        disposition: row.disposition ?? undefined,
      };
    },

    /**
     * The last gate before Twilio: number format and the do-not-call list, then exactly one call.
     * A re-run (the previous try may have died after Twilio accepted) first looks the call up.
     */
    async placeDial(input: PlaceDialInput): Promise<DialPlaced> {
      // No call can exist for a number Twilio would refuse, so this needs no lookup and no mark.
      if (!isE164(input.to)) return { disposition: 'invalid_number', detail: 'not a valid E.164 number' };
      const { callSid, dncSource, startedBefore } = await dialGates(input);
      if (callSid) return { callSid, reconciled: true };
      if (dncSource !== null)
        return { disposition: 'do_not_call', detail: `on the do-not-call list (${dncSource})` };
      const { dialer, publicBaseUrl } = deps;
      if (!dialer || !publicBaseUrl) {
        throw ApplicationFailure.nonRetryable(
          'no telephony account is configured for dialing',
          'NoTelephony',
        );
      }
      // A one-off call has no attempt row to mark: there only the activity's attempt tells.
      if (startedBefore || activityInfo().attempt > 1) {
        const found = await reconcile(input, dialer);
        if (found) {
          deps.logger.warn({ workflowId: input.workflowId, callSid: found }, 'retried dial found its call');
          await storeCallSid(input, found);
          return { callSid: found, reconciled: true };
        }
      }
      const base = publicBaseUrl.replace(/\/+$/, '');
      const dial = `dial=${encodeURIComponent(input.workflowId)}`;
      const outcome = await nonRetryableIfPermanent(() =>
        dialer.dial({
          to: input.to,
          from: input.from,
          voiceUrl: `${base}/twilio/voice?${dial}`,
          statusCallbackUrl: `${base}/twilio/outbound/status?${dial}`,
          amdCallbackUrl: input.machineDetection ? `${base}/twilio/outbound/amd?${dial}` : undefined,
          ringTimeoutSec: input.ringTimeoutSec,
        }),
      );
      if (!outcome.placed) {
        const code = outcome.refusal.code ? `twilio ${outcome.refusal.code}: ` : '';
        return { disposition: outcome.refusal.kind, detail: `${code}${outcome.refusal.message}` };
      }
      await storeCallSid(input, outcome.callSid);
      return { callSid: outcome.callSid };
    },

    /**
     * Records the attempt's outcome once, and the contact's attempts and latest disposition, in one
     * statement (one round trip per dial). An opt-out during the call already set do_not_call on
     * the contact; "answered" must not hide it.
     */
    async recordDialOutcome(input: {
      contactId?: string;
      attempt?: number;
      disposition: DialDisposition;
      callSid?: string;
    }): Promise<void> {
      if (!input.contactId || !UUID.test(input.contactId)) return;
      const attempt = input.attempt ?? 1;
      const disposition = input.disposition;
      await prisma.$executeRaw`
        WITH finished AS (
          UPDATE dial_attempts SET disposition = ${disposition}::dial_disposition, finished_at = ${now()}
          WHERE contact_id = ${input.contactId}::uuid AND attempt = ${attempt} AND finished_at IS NULL)
        UPDATE campaign_contacts SET attempts = GREATEST(attempts, ${attempt}),
          disposition = CASE WHEN disposition = 'do_not_call' THEN disposition
                             ELSE ${disposition}::dial_disposition END,
          updated_at = now()
        WHERE id = ${input.contactId}::uuid`;
    },

    async leaveVoicemail(input: { callSid: string; message: string }): Promise<void> {
      if (!deps.dialer) {
        throw ApplicationFailure.nonRetryable('no telephony account is configured', 'NoTelephony');
      }
      await deps.dialer.sayAndHangUp(input.callSid, input.message);
    },
  };
}

/** Auth and malformed-request failures will fail again: stop retrying; outages stay retryable. */
async function nonRetryableIfPermanent<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ProviderError && !error.retryable) {
      throw ApplicationFailure.nonRetryable(error.message, `Telephony_${error.kind}`);
    }
    throw error;
  }
}
