import { parseArgs } from 'node:util';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { buildApi } from '../src/api/app.ts';
import { createApiKey } from '../src/api/routes/keys.ts';
import { PrismaClient } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrator.ts';
import { createLogger } from '../src/logger.ts';
import { MIGRATIONS_DIR } from '../src/platform/database-deps.ts';
import { createHealthChecker } from '../src/platform/health.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { Cleanup } from './lib/cleanup.ts';
import { postgresServerUrl, progress } from './lib/platform.ts';
import { fmtMs, round1, summarize, table, verdict } from './lib/stats.ts';

/**
 * `npm run bench:api`: seeds a fresh database on DATABASE_URL's server with N calls (default
 * 1,000,000; --calls or BENCH_API_CALLS), turns for 1% of them and summaries for 5%, then times
 * admin API requests through `inject()` (routing, auth, validation, SQL, JSON): filtered list
 * pages and call detail. Also prints which indexes each list query's plan uses.
 */
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: process.env.BENCH_API_CALLS ?? '1000000' },
    requests: { type: 'string', default: '200' },
  },
});
const CALLS = Number(values.calls);
const REQUESTS = Number(values.requests);
const TARGET_P99_MS = 20;

const cleanup = new Cleanup();
process.once('SIGINT', () => void cleanup.run().then(() => process.exit(130)));

async function seed(url: string): Promise<{ campaignId: string; phone: string; detailId: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    await client.query(`INSERT INTO agents (id, name, system_prompt, greeting, voice, tts_model, stt_model, updated_at)
      VALUES (gen_random_uuid(), 'bench', 'p', 'g', 'v', 't', 's', now())`);
    await client.query(`INSERT INTO customers (id, phone, updated_at)
      SELECT gen_random_uuid(), '+1415' || lpad(g::text, 7, '0'), now() FROM generate_series(1, 10000) g`);
    await client.query(`INSERT INTO campaigns (id, name, agent_id, caller_id, updated_at)
      SELECT gen_random_uuid(), 'c' || g, (SELECT id FROM agents LIMIT 1), '+14155550100', now()
      FROM generate_series(1, 50) g`);
    // One statement: ids, customers and campaigns are picked by arithmetic on the series number.
    await client.query(
      `WITH c AS (SELECT array_agg(id ORDER BY phone) ids FROM customers),
            k AS (SELECT array_agg(id ORDER BY name) ids FROM campaigns),
            a AS (SELECT id FROM agents LIMIT 1)
       INSERT INTO calls (id, call_sid, direction, from_number, to_number, status, outcome, agent_id,
                          customer_id, campaign_id, started_at, ended_at, duration_ms, updated_at)
       SELECT gen_random_uuid(), 'CA' || lpad(g::text, 32, '0'),
              (CASE WHEN g % 3 = 0 THEN 'outbound' ELSE 'inbound' END)::call_direction,
              '+14155550111', '+14155550100',
              (ARRAY['completed','completed','completed','busy','no_answer','failed'])[1 + g % 6]::call_status,
              (ARRAY['appointment_booked','completed','transferred','no_answer', NULL])[1 + g % 5],
              a.id, c.ids[1 + g % 10000],
              CASE WHEN g % 3 = 0 THEN k.ids[1 + g % 50] END,
              now() - (g * interval '20 seconds'), now() - (g * interval '20 seconds') + interval '90 seconds',
              90000, now()
       FROM generate_series(1, $1::int) g, c, k, a`,
      [CALLS],
    );
    progress(`seeded ${CALLS} calls in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    await client.query(
      `INSERT INTO turns (id, call_id, sequence, role, heard_text, generated_text, first_frame_ms)
      SELECT gen_random_uuid(), c.id, s, (CASE WHEN s % 2 = 0 THEN 'user' ELSE 'assistant' END)::turn_role,
             'turn ' || s, CASE WHEN s % 2 = 1 THEN 'generated ' || s END, 400 + s
      FROM (SELECT id FROM calls ORDER BY started_at DESC LIMIT $1) c, generate_series(0, 7) s`,
      [Math.ceil(CALLS / 100)],
    );
    await client.query(`INSERT INTO call_summaries (id, call_id, version, status, summary)
      SELECT gen_random_uuid(), id, 1, 'ok',
             CASE WHEN random() < 0.02 THEN 'Caller wants a refund' ELSE 'Booked a cleaning' END
      FROM calls TABLESAMPLE BERNOULLI (5)`);
    await client.query('ANALYZE');
    progress(`seeded turns and summaries; total ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const campaignId = (await client.query('SELECT id FROM campaigns LIMIT 1')).rows[0].id as string;
    const phone = (await client.query('SELECT phone FROM customers ORDER BY phone OFFSET 42 LIMIT 1')).rows[0]
      .phone as string;
    const detailId = (await client.query('SELECT call_id FROM turns LIMIT 1')).rows[0].call_id as string;
    return { campaignId, phone, detailId };
  } finally {
    await client.end();
  }
}

/** Index names in the plan of the request's main query, and its execution time in Postgres. */
async function planOf(
  url: string,
  sql: string,
  params: unknown[],
): Promise<{ indexes: string; execMs: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    const names = new Set<string>();
    const nodes = new Set<string>();
    const walk = (n: Record<string, unknown>) => {
      nodes.add(String(n['Node Type']));
      if (n['Index Name']) names.add(String(n['Index Name']));
      for (const child of (n.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    const plan = (
      res.rows[0]['QUERY PLAN'] as { Plan: Record<string, unknown>; 'Execution Time': number }[]
    )[0];
    walk(plan?.Plan ?? {});
    return {
      indexes: [...names].join(' + ') || `no index (${[...nodes].join(', ')})`,
      execMs: plan?.['Execution Time'] ?? Number.NaN,
    };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  // Like the other benchmarks: DATABASE_URL, else the local server scripts/ensure-postgres.sh finds.
  process.env.DATABASE_URL ??= postgresServerUrl();
  const db = await createTestDatabase();
  cleanup.add('database', () => db.drop());
  const logger = createLogger('silent');
  await applyMigrations({ connectionString: db.url, migrationsDir: MIGRATIONS_DIR, logger });
  const { campaignId, phone, detailId } = await seed(db.url);
  // The app's client, plus query events: the plans below are of the SQL Prisma actually sent.
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: db.url, max: 4 }),
    log: [{ emit: 'event', level: 'query' }],
  });
  let sent: { query: string; params: string }[] = [];
  prisma.$on('query', (e) => sent.push({ query: e.query, params: e.params }));
  cleanup.add('prisma', () => prisma.$disconnect());
  const health = createHealthChecker({});
  const app = await buildApi({
    logger,
    prisma,
    health,
    readiness: health,
    settings: { rateLimits: { read: { perMinute: 1e9 }, mutate: { perMinute: 1e9 } } },
  });
  cleanup.add('api', () => app.close());
  const { key } = await createApiKey(prisma, { name: 'bench', role: 'viewer' });
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    return res.json() as { nextCursor?: string };
  };
  // A cursor 20 pages deep, for the "deep page" case.
  let deep = '';
  for (let i = 0; i < 20; i++)
    deep = (await get(`/api/v1/calls?limit=50${deep ? `&cursor=${deep}` : ''}`)).nextCursor ?? '';
  const day = new Date(Date.now() - 3 * 86_400_000);
  const from = new Date(day.getTime() - 86_400_000).toISOString();
  const cases: [string, string][] = [
    ['newest page', '/api/v1/calls'],
    ['page 21 (cursor)', `/api/v1/calls?cursor=${deep}`],
    ['outbound + busy', '/api/v1/calls?direction=outbound&status=busy'],
    ['campaign', `/api/v1/calls?campaignId=${campaignId}`],
    ['customer phone', `/api/v1/calls?customerPhone=${encodeURIComponent(phone)}`],
    ['one day', `/api/v1/calls?from=${from}&to=${day.toISOString()}`],
    ['outcome transferred', '/api/v1/calls?outcome=transferred'],
    ['summary text "refund"', '/api/v1/calls?q=refund'],
    ['call detail (8 turns)', `/api/v1/calls/${detailId}`],
  ];
  const rows: string[][] = [
    [
      'request',
      'p50 ms',
      'p99 ms',
      'max ms',
      `p99 <= ${TARGET_P99_MS} ms`,
      'SQL ms',
      'plan of the main query uses',
    ],
  ];
  const figures: Record<string, number | null> = {};
  for (const [name, url] of cases) {
    for (let i = 0; i < 10; i++) await get(url); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      sent = [];
      const t = performance.now();
      await get(url);
      samples.push(performance.now() - t);
    }
    // The main query: the one reading calls (or turns, for the detail), not the key lookup.
    const main = sent.find(
      (q) => /FROM "public"\."(calls|turns)"/.test(q.query) && !/"api_keys"/.test(q.query),
    );
    const plan = main
      ? await planOf(db.url, main.query, JSON.parse(main.params) as unknown[])
      : { indexes: '?', execMs: Number.NaN };
    const s = summarize(samples);
    rows.push([
      name,
      fmtMs(s.p50),
      fmtMs(s.p99),
      fmtMs(s.max),
      verdict(s.p99, TARGET_P99_MS),
      fmtMs(plan.execMs),
      plan.indexes,
    ]);
    const slug = name
      .replace(/[^a-z0-9]+/gi, '_')
      .replace(/_$/, '')
      .toLowerCase();
    figures[`${slug}_p50_ms`] = round1(s.p50);
    figures[`${slug}_p99_ms`] = round1(s.p99);
    figures[`${slug}_sql_ms`] = round1(plan.execMs);
  }
  process.stdout.write(
    `\nAdmin API on ${CALLS.toLocaleString('en-US')} calls, ${REQUESTS} requests per row (inject, one at a time)\n`,
  );
  process.stdout.write(`${table(rows)}\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'api', calls: CALLS, requests: REQUESTS, ...figures })}\n`);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench:api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
