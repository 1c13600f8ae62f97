import os from 'node:os';
import { parseArgs } from 'node:util';
import { createCampaign } from '../src/campaigns/create-campaign.ts';
import { createHealthChecker } from '../src/platform/health.ts';
import { createTwilioDialer } from '../src/providers/twilio/dialer.ts';
import { buildRealtime } from '../src/realtime/app.ts';
import { createStreamTokens } from '../src/realtime/media/stream-token.ts';
import { SimOutbound } from '../src/sim/twilio/outbound.ts';
import { createSimCallRegistry, createSimTwilioRest } from '../src/sim/twilio/rest.ts';
import { findFreePort } from '../src/temporal/ports.ts';
import * as campaign from '../src/workflows/campaign/contract.ts';
import { seedBenchAgent } from './lib/agent.ts';
import { benchLogger, progress, startBenchPlatform } from './lib/platform.ts';
import { fmtMs, round1, summarize, table } from './lib/stats.ts';

/**
 * `npm run bench:campaign-dialer`: the campaign workflow dialing through the real `outboundCallWorkflow`,
 * the official Twilio SDK and the simulated Twilio (every line busy after a 1 ms ring, so each
 * dial ends at once), with signed status callbacks into the real webhooks. Pacing is off.
 * Reports dial starts per second (claims in `dial_attempts`), dial-to-disposition latency
 * (claim to recorded outcome) and, separately, how long creating a large campaign takes.
 * Flags: --contacts N (500), --concurrency N (200), --create N (100000; 0 skips). The simulated
 * Twilio, the webhooks and the worker share this one process: on a 2-core machine at load ~7,
 * 1,000 contacts took 277 s (3.6 dials/s), so the default stays at 500 to finish in 5 minutes.
 */
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '200' },
    create: { type: 'string', default: '100000' },
  },
});
const contactCount = Number(values.contacts);
const concurrency = Number(values.concurrency);
const createCount = Number(values.create);
const TARGET_DIALS_PER_S = 100;
const ACCOUNT_SID = `AC${'4'.repeat(32)}`;
const AUTH_TOKEN = 'bench-campaign-auth-token-0123456';
const phone = (i: number) => `+1415${String(2_000_000 + i).padStart(7, '0')}`;
const ALWAYS = Object.fromEntries(
  ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [['00:00', '23:59']]]),
);

const logger = benchLogger();
const registry = createSimCallRegistry(ACCOUNT_SID);
const sim = new SimOutbound({
  accountSid: ACCOUNT_SID,
  authToken: AUTH_TOKEN,
  logger,
  registry,
  defaultScenario: { kind: 'busy' },
  ringMs: 1,
});
const rest = await createSimTwilioRest({
  accountSid: ACCOUNT_SID,
  authToken: AUTH_TOKEN,
  logger,
  registry,
  outbound: sim,
});
const restUrl = await rest.listen();
const port = await findFreePort('127.0.0.1');
const publicBaseUrl = `http://127.0.0.1:${port}`;
const platform = await startBenchPlatform({
  name: 'campaign',
  activityDeps: {
    dialer: createTwilioDialer({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: restUrl, logger }),
    publicBaseUrl,
  },
});
platform.cleanup.add('simulated twilio', async () => {
  await sim.close();
  await rest.close();
});
try {
  const health = createHealthChecker({});
  const realtime = await buildRealtime({
    logger,
    health,
    readiness: health,
    twilio: {
      client: platform.client,
      taskQueue: platform.taskQueue,
      authToken: AUTH_TOKEN,
      publicBaseUrl,
      tokens: createStreamTokens({ secret: 'bench-campaign-stream-secret', ttlMs: 60_000 }),
    },
  });
  await realtime.listen({ host: '127.0.0.1', port });
  platform.cleanup.add('realtime node', () => realtime.close());
  const agent = await seedBenchAgent(platform.prisma);
  const settings = {
    agentId: agent.id,
    concurrencyLimit: concurrency,
    pacingPerMinute: 60_000,
    callingHours: ALWAYS,
    // Busy is final here: the run measures first attempts only.
    retryRules: { maxAttempts: 1, retryAfterMs: {} },
    callerId: '+14155550100',
  };
  const list = (n: number, offset: number) =>
    Array.from({ length: n }, (_, i) => ({ phone: phone(offset + i), timeZone: 'America/New_York' }));

  progress(`run: campaign of ${contactCount} contacts, concurrency ${concurrency}...`);
  const { campaignId } = await createCampaign(platform.prisma, {
    name: 'bench',
    ...settings,
    contacts: list(contactCount, 0),
  });
  const t0 = performance.now();
  const final = (await platform.client.workflow.execute(campaign.campaignWorkflowType, {
    taskQueue: platform.taskQueue,
    workflowId: campaign.campaignWorkflowId(campaignId),
    args: [{ campaignId } satisfies campaign.CampaignInput],
  })) as campaign.CampaignProgress;
  const wallS = (performance.now() - t0) / 1000;
  const attempts = await platform.prisma.dialAttempt.findMany({
    where: { contact: { campaignId } },
    select: { claimedAt: true, finishedAt: true },
  });
  const claims = attempts.map((a) => a.claimedAt.getTime()).sort((a, b) => a - b);
  const spanS = ((claims.at(-1) ?? 0) - (claims[0] ?? 0)) / 1000;
  const dialsPerS = spanS > 0 ? (claims.length - 1) / spanS : Number.NaN;
  const latency = summarize(
    attempts.filter((a) => a.finishedAt).map((a) => (a.finishedAt as Date).getTime() - a.claimedAt.getTime()),
  );
  const duplicates = [...sim.dials.values()].filter((n) => n > 1).length;

  let createS = Number.NaN;
  if (createCount > 0) {
    progress(`run: creating a campaign of ${createCount} contacts...`);
    const c0 = performance.now();
    await createCampaign(platform.prisma, {
      name: 'bench-create',
      ...settings,
      contacts: list(createCount, 1_000_000),
    });
    createS = (performance.now() - c0) / 1000;
  }

  console.log(`bench:campaign-dialer on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'})`);
  console.log(
    table([
      ['figure', 'value'],
      ['contacts dialed (simulated Twilio accepted)', String(sim.totalDials())],
      ['numbers dialed more than once', String(duplicates)],
      ['campaign wall time (s)', fmtMs(wallS, 2)],
      ['dial starts per second (claims)', fmtMs(dialsPerS)],
      ['dial-to-disposition p50 (ms)', fmtMs(latency.p50)],
      ['dial-to-disposition p99 (ms)', fmtMs(latency.p99)],
      ['dial-to-disposition max (ms)', fmtMs(latency.max)],
      ['campaign workflow runs', String(final.runs ?? 1)],
      [`create ${createCount}-contact campaign (s)`, fmtMs(createS, 2)],
    ]),
  );
  console.log(`  final status ${final.status}; contacts by status ${JSON.stringify(final.contactsByStatus)}`);
  console.log(
    `  target dial starts >= ${TARGET_DIALS_PER_S}/s: ${Number.isFinite(dialsPerS) ? (dialsPerS >= TARGET_DIALS_PER_S ? 'ok' : 'UNDER') : 'n/a'}`,
  );
  console.log(`  set-up (s): ${JSON.stringify(platform.setup)}`);
  console.log(
    JSON.stringify({
      bench: 'campaign-dialer',
      contacts: contactCount,
      concurrency,
      dials: sim.totalDials(),
      duplicate_numbers: duplicates,
      wall_s: round1(wallS),
      dials_per_s: round1(dialsPerS),
      dial_to_disposition_p50_ms: round1(latency.p50),
      dial_to_disposition_p99_ms: round1(latency.p99),
      runs: final.runs ?? 1,
      create_contacts: createCount,
      create_s: round1(createS),
      target_dials_per_s: TARGET_DIALS_PER_S,
    }),
  );
} finally {
  await platform.close();
}
