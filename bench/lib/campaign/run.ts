import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { startCampaign } from '../../../src/campaigns/campaign-control.ts';
import { createCampaign } from '../../../src/campaigns/create-campaign.ts';
import { installTemporalRuntime, workflowBundlerOptions } from '../../../src/worker.ts';
import * as contract from '../../../src/workflows/campaign/contract.ts';
import { seedBenchAgent } from '../agent.ts';
import { type BenchPlatform, benchLogger, progress, startBenchPlatform } from '../platform.ts';
import { WorkerChild } from '../worker-child.ts';
import { type DialStages, dialStages, type ParentFigures, parentFigures } from './dial-stages.ts';
import { createBenchDialLog, type DialFigures, readDialFigures } from './instant-dialer.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const WORKFLOWS = fileURLToPath(new URL('./workflows.ts', import.meta.url));

export interface CampaignBenchOptions {
  name: string;
  contacts: number;
  concurrency: number;
  pacingPerMinute: number;
  /** Workflow tuning; undefined keeps the workflow's defaults (what production runs). */
  dialsPerRun?: number;
  pageSize?: number;
  /** How often the worker's RSS and CPU are sampled. */
  sampleMs: number;
}

export interface RssSample {
  /** ms since the campaign started. */
  atMs: number;
  rss: number;
  dialsStarted: number;
}

export interface CampaignBenchResult {
  options: CampaignBenchOptions;
  result: contract.CampaignProgress;
  /** Campaign start (client) to workflow result (client), ms. */
  wallMs: number;
  /** Creating the campaign (validation and insert of every contact), ms. */
  createMs: number;
  dials: DialFigures;
  /** Worker process CPU time over the campaign / wall time (1.0 = one core busy). */
  workerCpuCores: number;
  /** The Temporal dev server's CPU time over the campaign / wall time (Linux /proc; NaN elsewhere). */
  temporalCpuCores: number;
  rss: RssSample[];
  /** Where sampled dials' time went (their children's histories). */
  stages: DialStages[];
  /** From the histories of up to the first 20 campaign runs. */
  parent: ParentFigures;
  /** historyLength of every campaign run, in run order. */
  runHistoryLengths: number[];
  /** Runs whose history did not replay against today's workflow code (determinism), with why. */
  replayFailures: string[];
  /**
   * Wall time of each run's replay, ms, on the quiet machine after the campaign. What a cache
   * eviction of the campaign workflow costs at least: the worker replays the whole run before
   * the campaign's next workflow task (e.g. after the server refused a continue-as-new because
   * dial results arrived meanwhile, an UNHANDLED_COMMAND failure).
   */
  replayMs: number[];
  setup: Record<string, number>;
}

/** A phone number per index, all distinct and valid (San Francisco 415, exchange 2xx-9xx). */
const phoneFor = (i: number) => `+1415${String(2_000_000 + i).padStart(7, '0')}`;
const ALWAYS = Object.fromEntries(
  ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [['00:00', '23:59']]]),
);

/**
 * One campaign, start to finish, on its own platform: a fresh dev server and database, the worker
 * under test in a child process (real campaign workflow and activities, the instant dialer), the
 * campaign created through the same path as an upload, started as the admin API starts it.
 */
export async function runCampaignBench(options: CampaignBenchOptions): Promise<CampaignBenchResult> {
  const platform = await startBenchPlatform({ name: options.name, inProcessWorker: false });
  try {
    return await measure(platform, options);
  } catch (err) {
    // Printed before the clean-up: closing the connection can raise from a pending gRPC retry.
    progress(`campaign bench failed: ${(err as Error).stack ?? String(err)}`);
    throw err;
  } finally {
    await platform.close();
  }
}

async function measure(platform: BenchPlatform, options: CampaignBenchOptions): Promise<CampaignBenchResult> {
  const { prisma, client } = platform;
  await createBenchDialLog(prisma);
  const agent = await seedBenchAgent(prisma);
  progress(`creating a campaign of ${options.contacts} contacts...`);
  const t0 = performance.now();
  const { campaignId } = await createCampaign(prisma, {
    name: `bench ${options.name}`,
    agentId: agent.id,
    concurrencyLimit: options.concurrency,
    pacingPerMinute: options.pacingPerMinute,
    callingHours: ALWAYS,
    callerId: '+14155550100',
    contacts: Array.from({ length: options.contacts }, (_, i) => ({ phone: phoneFor(i), timeZone: 'UTC' })),
  });
  const createMs = performance.now() - t0;

  progress('starting the worker process...');
  const t1 = performance.now();
  const worker = await WorkerChild.start(WORKER_SCRIPT, {
    BENCH_DATABASE_URL: platform.databaseUrl,
    BENCH_TEMPORAL_ADDRESS: platform.address,
    BENCH_NAMESPACE: platform.namespace,
    BENCH_TASK_QUEUE: platform.taskQueue,
  });
  platform.cleanup.add('worker process', () => worker.stop());
  platform.setup.worker = Number(((performance.now() - t1) / 1000).toFixed(2));

  const deps = { prisma, client, taskQueue: platform.taskQueue };
  const handle = client.workflow.getHandle(contract.campaignWorkflowId(campaignId));
  const rss: RssSample[] = [];
  let dialsStarted = 0;
  const cpuBefore = (await worker.stats()).cpuUs;
  const temporalBefore = processCpuMs(platform.temporalPid);
  const started = performance.now();
  await startCampaign(deps, campaignId, {
    dialsPerRun: options.dialsPerRun,
    pageSize: options.pageSize,
    // BENCH_HANDOFF=0 measures runs that wait for their in-flight dials at continue-as-new.
    ...(process.env.BENCH_HANDOFF === '0' ? { handOffDials: false } : {}),
  });
  // One sample at a time, each query bounded: a query still retrying when the connection closes
  // at clean-up would throw from grpc-js's retry timer.
  let done = false;
  let lastReport = 0;
  const sampleOnce = async () => {
    const atMs = performance.now() - started;
    const [stats, p] = await Promise.all([
      worker.stats(),
      client
        .withDeadline(Date.now() + 5_000, () => handle.query(contract.campaignProgressQuery))
        .catch(() => undefined),
    ]);
    dialsStarted = p?.dialsStarted ?? dialsStarted;
    rss.push({ atMs, rss: stats.rss, dialsStarted });
    if (atMs - lastReport >= 10_000) {
      lastReport = atMs;
      progress(
        `  ${(atMs / 1000).toFixed(0)} s: ${dialsStarted} dials started, in flight ${p?.inFlight ?? '?'}, ` +
          `unwritten ${p?.unwritten ?? '?'}, ` +
          `run ${p?.runs ?? '?'}, worker RSS ${(stats.rss / 2 ** 20).toFixed(0)} MB`,
      );
    }
  };
  const sampling = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, options.sampleMs));
      if (!done) await sampleOnce().catch(() => undefined);
    }
  })();
  let result: contract.CampaignProgress;
  try {
    result = await handle.result();
  } finally {
    done = true;
    await sampling;
  }
  const wallMs = performance.now() - started;
  const cpuAfter = await worker.stats();
  const temporalCpuCores = (processCpuMs(platform.temporalPid) - temporalBefore) / wallMs;
  rss.push({ atMs: wallMs, rss: cpuAfter.rss, dialsStarted: result.dialsStarted ?? dialsStarted });

  progress('reading dials and histories...');
  const dials = await readDialFigures(prisma, campaignId);
  const runs = await campaignRuns(platform, campaignId, result.runs ?? 1);
  const runHistoryLengths = await historyLengths(platform, campaignId, runs);
  progress(`replaying ${runs.length} run histories...`);
  const { failures: replayFailures, replayMs } = await replayRuns(platform, campaignId, runs);
  // The first runs' histories are enough to see how the campaign's workflow tasks went.
  const parent = await parentFigures(client, contract.campaignWorkflowId(campaignId), runs.slice(0, 20));
  const stages = await dialStages(client, dials.sample, parent.childCompletedAtMs);
  return {
    options,
    result,
    wallMs,
    createMs,
    dials,
    workerCpuCores: (cpuAfter.cpuUs - cpuBefore) / 1000 / wallMs,
    temporalCpuCores,
    rss,
    runHistoryLengths,
    replayFailures,
    replayMs,
    stages,
    parent,
    setup: platform.setup,
  };
}

/** User + system CPU time of a process, ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Run ids of `campaign:<id>` in start order (visibility may trail the last close briefly). */
async function campaignRuns(platform: BenchPlatform, campaignId: string, runs: number): Promise<string[]> {
  const workflowId = contract.campaignWorkflowId(campaignId);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const listed: { runId: string; startTime: Date }[] = [];
    for await (const wf of platform.client.workflow.list({ query: `WorkflowId = "${workflowId}"` }))
      listed.push({ runId: wf.runId, startTime: wf.startTime });
    if (listed.length >= runs || Date.now() > deadline) {
      listed.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
      return listed.map((r) => r.runId);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Replays every run's history against the workflow code the worker ran: a campaign whose runs do
 * not replay would stall for good after a worker restart or a cache eviction. One replay worker
 * (one workflow bundle, built first so no replay's time includes it) for all runs; every history is
 * fetched before the replays start, so each replay's time is the replay alone.
 */
async function replayRuns(
  platform: BenchPlatform,
  campaignId: string,
  runIds: string[],
): Promise<{ failures: string[]; replayMs: number[] }> {
  const workflowId = contract.campaignWorkflowId(campaignId);
  const fetched = [];
  for (const runId of runIds) {
    fetched.push({
      workflowId: runId,
      history: await platform.client.workflow.getHandle(workflowId, runId).fetchHistory(),
    });
  }
  quietSdkLogs();
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS, ...workflowBundlerOptions });
  const failures: string[] = [];
  const replayMs: number[] = [];
  let last = performance.now();
  for await (const result of Worker.runReplayHistories({ workflowBundle }, fetched)) {
    const now = performance.now();
    replayMs.push(now - last);
    last = now;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return { failures, replayMs };
}

let sdkLogsRouted = false;

/** The replay worker is this process's only Temporal worker: its SDK logs go to the bench logger. */
function quietSdkLogs(): void {
  if (sdkLogsRouted) return;
  sdkLogsRouted = true;
  installTemporalRuntime(benchLogger());
}

/** History length of each run, described one by one: the server's own count, not visibility's. */
async function historyLengths(
  platform: BenchPlatform,
  campaignId: string,
  runIds: string[],
): Promise<number[]> {
  const workflowId = contract.campaignWorkflowId(campaignId);
  const lengths: number[] = [];
  for (const runId of runIds)
    lengths.push((await platform.client.workflow.getHandle(workflowId, runId).describe()).historyLength);
  return lengths;
}
