import { randomBytes } from 'node:crypto';
import {
  createOutboundActivities,
  type DialPlaced,
  type PlaceDialInput,
} from '../../../src/activities/outbound-activities.ts';
import type { PrismaClient } from '../../../src/db/client.ts';
import type { OutboundDialer } from '../../../src/providers/ports.ts';
import { benchLogger } from '../platform.ts';

/**
 * The bench double's dial log, standing in for Twilio's call list: one row per call the real
 * placeDial asked the instant dialer to place. Bench databases only.
 */
export async function createBenchDialLog(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRaw`
    CREATE TABLE IF NOT EXISTS bench_dials (
      id bigserial PRIMARY KEY,
      contact_id uuid NOT NULL,
      attempt int NOT NULL,
      workflow_id text NOT NULL,
      call_sid text NOT NULL UNIQUE,
      phone text NOT NULL,
      started_at timestamptz(3) NOT NULL,
      dialed_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
    )`;
}

/** Where Twilio would fetch TwiML and post progress: never contacted, the dialer answers itself. */
const BENCH_ORIGIN = 'http://bench.invalid';

/**
 * A dialer whose callee answers instantly: placing a call is a row in bench_dials, and a retried
 * dial's lookup (findRecentCalls) reads those rows, as the real one reads Twilio's call list.
 */
function instantDialer(prisma: PrismaClient, dial: PlaceDialInput, startedAtMs: number): OutboundDialer {
  return {
    async dial(request) {
      const callSid = `CA${randomBytes(16).toString('hex')}`;
      await prisma.$executeRaw`
        INSERT INTO bench_dials (contact_id, attempt, workflow_id, call_sid, phone, started_at)
        VALUES (${dial.contactId}::uuid, ${dial.attempt ?? 1}, ${dial.workflowId}, ${callSid}, ${request.to},
                to_timestamp(${startedAtMs}::float8 / 1000.0))`;
      return { placed: true, callSid };
    },
    async findRecentCalls({ to, since }) {
      const rows = await prisma.$queryRaw<{ call_sid: string; dialed_at: Date }[]>`
        SELECT call_sid, dialed_at FROM bench_dials WHERE phone = ${to} AND dialed_at >= ${since}
        ORDER BY dialed_at DESC`;
      return rows.map((r) => ({ sid: r.call_sid, status: 'completed', createdAt: r.dialed_at }));
    },
    async sayAndHangUp() {
      throw new Error('the instant dialer reaches no voicemail');
    },
  };
}

/** Activities of the instant dialer (see instant-dialer-workflow.ts). */
export function createInstantDialerActivities(prisma: PrismaClient) {
  const logger = benchLogger();
  return {
    /**
     * The real placeDial (attempt and do-not-call gates, reconcile on retry, CallSid stored once)
     * with the instant dialer in place of Twilio. The child's start time goes into the dial log.
     */
    async benchPlaceDial(input: PlaceDialInput & { startedAtMs: number }): Promise<DialPlaced> {
      const { startedAtMs, ...dial } = input;
      const outbound = createOutboundActivities({
        prisma,
        logger,
        dialer: instantDialer(prisma, dial, startedAtMs),
        publicBaseUrl: BENCH_ORIGIN,
      });
      return outbound.placeDial(dial);
    },
  };
}

export type InstantDialerActivities = ReturnType<typeof createInstantDialerActivities>;

export interface DialFigures {
  /** Rows in the dial log. */
  dials: number;
  /** Contacts of the campaign with exactly one / more than one / no logged dial. */
  dialedOnce: number;
  dialedTwiceOrMore: number;
  notDialed: number;
  /** Child start (workflow start time) -> outcome written by the campaign (its batch's updated_at), ms. */
  latenciesMs: number[];
  /** Child start times, ms since epoch, sorted. */
  startsMs: number[];
  /** Most dials between child start and recorded outcome at one moment. */
  maxInFlight: number;
  /**
   * Most dials between child start and the dialer's own outcome record (dial_attempts.finished_at,
   * written just before the child closes) at one moment: the slots the concurrency limit bounds.
   * A result decided but not yet in the campaign's batch write frees its slot, so this can be
   * lower than `maxInFlight`.
   */
  maxLive: number;
  /** Up to 40 dials spread over the campaign, for a look at their histories. */
  sample: { contactId: string; attempt: number; outcomeMs: number }[];
}

/** Exactly-once and timing figures, read from Postgres after the campaign finished. */
export async function readDialFigures(prisma: PrismaClient, campaignId: string): Promise<DialFigures> {
  const [once] = await prisma.$queryRaw<{ once: bigint; more: bigint; none: bigint; dials: bigint }[]>`
    SELECT count(*) FILTER (WHERE n = 1) AS once, count(*) FILTER (WHERE n > 1) AS more,
           count(*) FILTER (WHERE n = 0) AS none, coalesce(sum(n), 0)::bigint AS dials
    FROM (SELECT c.id, count(d.id) AS n FROM campaign_contacts c
          LEFT JOIN bench_dials d ON d.contact_id = c.id
          WHERE c.campaign_id = ${campaignId}::uuid GROUP BY c.id) per_contact`;
  // The outcome's time is the contact's last update: the campaign's outcome batch, which comes
  // after the dialer's own recordDialOutcome (that one sets dial_attempts.finished_at, as in
  // production, so finished_at no longer tells when the campaign wrote it).
  const rows = await prisma.$queryRaw<
    {
      contact_id: string;
      attempt: number;
      start_ms: number;
      end_ms: number | null;
      live_end_ms: number | null;
    }[]
  >`
    SELECT d.contact_id, d.attempt, extract(epoch FROM d.started_at) * 1000 AS start_ms,
           CASE WHEN c.status = 'completed' THEN extract(epoch FROM c.updated_at) * 1000 END AS end_ms,
           extract(epoch FROM a.finished_at) * 1000 AS live_end_ms
    FROM bench_dials d JOIN campaign_contacts c ON c.id = d.contact_id
    LEFT JOIN dial_attempts a ON a.contact_id = d.contact_id AND a.attempt = d.attempt`;
  const startsMs = rows.map((r) => Number(r.start_ms)).sort((a, b) => a - b);
  const latenciesMs = rows.filter((r) => r.end_ms !== null).map((r) => Number(r.end_ms) - Number(r.start_ms));
  return {
    dials: Number(once?.dials ?? 0),
    dialedOnce: Number(once?.once ?? 0),
    dialedTwiceOrMore: Number(once?.more ?? 0),
    notDialed: Number(once?.none ?? 0),
    latenciesMs,
    startsMs,
    sample: rows
      .filter((r, i) => r.end_ms !== null && i % Math.max(1, Math.floor(rows.length / 40)) === 0)
      .slice(0, 40)
      .map((r) => ({ contactId: r.contact_id, attempt: r.attempt, outcomeMs: Number(r.end_ms) })),
    maxInFlight: maxOverlap(rows.map((r) => [Number(r.start_ms), Number(r.end_ms ?? Number.MAX_VALUE)])),
    maxLive: maxOverlap(rows.map((r) => [Number(r.start_ms), Number(r.live_end_ms ?? Number.MAX_VALUE)])),
  };
}

function maxOverlap(intervals: [number, number][]): number {
  const edges = intervals.flatMap(([s, e]) => [
    [s, 1],
    [e, -1],
  ]) as [number, number][];
  // Ends before starts at the same instant: touching intervals do not overlap.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, delta] of edges) {
    now += delta;
    max = Math.max(max, now);
  }
  return max;
}
