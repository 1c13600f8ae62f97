import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram, Registry } from 'prom-client';
import type { PrismaClient } from '../../db/client.ts';

/** Database-backed gauges are refreshed at most this often, however often Prometheus scrapes. */
const DB_GAUGE_MAX_AGE_MS = 15_000;

/**
 * The API's Prometheus metrics: HTTP latency by route, and from the database calls by status and
 * outcome, CRM dead letters awaiting replay, and agent-turn latency percentiles over the last
 * hour. (The realtime node exports the live per-turn latency histogram itself.)
 */
export function createApiMetrics(app: FastifyInstance, prisma: PrismaClient, now: () => number = Date.now) {
  const registry = new Registry();
  const httpLatency = new Histogram({
    name: 'switchboard_api_http_request_duration_ms',
    help: 'Admin API request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [2, 5, 10, 20, 50, 100, 250, 500, 1000, 2500],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    httpLatency.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime,
    );
  });

  let refreshed: Promise<DbFigures> | undefined;
  let refreshedAtMs = 0;
  const figures = () => {
    if (!refreshed || now() - refreshedAtMs > DB_GAUGE_MAX_AGE_MS) {
      refreshedAtMs = now();
      refreshed = readFigures(prisma).catch((err: unknown) => {
        refreshed = undefined;
        throw err;
      });
    }
    return refreshed;
  };

  new Gauge({
    name: 'switchboard_calls',
    help: 'Stored calls by status and outcome',
    labelNames: ['status', 'outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of (await figures()).calls) {
        this.set({ status: row.status, outcome: row.outcome ?? 'none' }, Number(row.count));
      }
    },
  });
  new Gauge({
    name: 'switchboard_crm_dead_letters',
    help: 'CRM dead letters not yet replayed',
    registers: [registry],
    async collect() {
      this.set((await figures()).deadLetters);
    },
  });
  new Gauge({
    name: 'switchboard_turn_latency_last_hour_ms',
    help: 'Agent turn latency to first audio frame over the last hour, by quantile',
    labelNames: ['quantile'],
    registers: [registry],
    async collect() {
      this.reset();
      const { p50, p95 } = (await figures()).turnLatency;
      if (p50 !== null) this.set({ quantile: '0.5' }, p50);
      if (p95 !== null) this.set({ quantile: '0.95' }, p95);
    },
  });
  return registry;
}

interface DbFigures {
  calls: { status: string; outcome: string | null; count: bigint }[];
  deadLetters: number;
  turnLatency: { p50: number | null; p95: number | null };
}

async function readFigures(prisma: PrismaClient): Promise<DbFigures> {
  const calls = await prisma.$queryRaw<DbFigures['calls']>`
    SELECT status::text AS status, outcome, count(*) AS count FROM calls GROUP BY 1, 2`;
  const deadLetters = await prisma.crmDeadLetter.count({ where: { replayedAt: null } });
  const latency = await prisma.$queryRaw<{ p50: number | null; p95: number | null }[]>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY first_frame_ms) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY first_frame_ms) AS p95
    FROM turns WHERE role = 'assistant' AND first_frame_ms IS NOT NULL
      AND created_at > now() - interval '1 hour'
      -- turns has no created_at index, but its ids are UUIDv7 (time-ordered, 48-bit ms prefix):
      -- this bound turns the scan into a primary-key range over the last hour.
      AND id >= (lpad(to_hex((extract(epoch FROM now() - interval '1 hour') * 1000)::bigint), 12, '0')
                 || repeat('0', 20))::uuid`;
  return { calls, deadLetters, turnLatency: latency[0] ?? { p50: null, p95: null } };
}
