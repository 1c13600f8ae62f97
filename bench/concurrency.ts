import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Connection } from '@temporalio/client';
import { startSimDeepgram } from '../src/sim/deepgram/server.ts';
import type { SimDeepgramStats } from '../src/sim/deepgram/types.ts';
import { startElevenLabsSim } from '../src/sim/elevenlabs/server.ts';
import { startOpenAiSim } from '../src/sim/openai/server.ts';
import type { CallerScriptStep } from '../src/sim/twilio/caller.ts';
import { callWorkflowId } from '../src/workflows/call/contract.ts';
import { seedBenchAgent } from './lib/agent.ts';
import { forkNode, nodeNiceness } from './lib/child-node.ts';
import { type CallerPool, startCallerPool } from './lib/concurrency/caller-pool.ts';
import { analyseCall, type FrameStats, LATE_GAP_MS } from './lib/concurrency/frames.ts';
import type { NodeAnswer, NodeEnv } from './lib/concurrency/node.ts';
import { progress, startBenchPlatform } from './lib/platform.ts';
import { ACCOUNT_SID, AUTH_TOKEN } from './lib/realtime-node.ts';
import { fmtMs, round1, summarize, table } from './lib/stats.ts';

/**
 * `npm run bench:concurrency`: how many concurrent calls one realtime node process sustains with
 * zero late outbound frames (a gap > 40 ms between consecutive agent media frames of one call
 * while the agent speaks) and outbound jitter p99 <= 10 ms, plus its CPU and memory per call.
 *
 * Process A (the node under test) is a child: bench/lib/concurrency/node.ts, run with
 * `node --import tsx`, holding only the realtime node (webhooks, media socket, call sessions,
 * vendor adapters, Temporal client, Prisma). The simulated callers run in --caller-procs further
 * children (bench/lib/concurrency/callers.ts), so no single load-generator event loop is the
 * limit. This process (B) holds the simulated Deepgram / OpenAI / ElevenLabs and the Temporal
 * worker; the Temporal dev server and Postgres are their own processes on the same machine. Each call: greeting, the caller says one sentence (--turns times), the agent answers
 * with a long reply (~8 s of audio), the caller hangs up. Frame times are taken in the node, as
 * each frame is handed to its socket (the verdict), and at the caller as it arrives (reported:
 * it adds the load generator's own lag). Steps run in order; the run stops at the first step that
 * misses (or at the budget).
 *
 * On a small shared machine the load generator, Temporal and Postgres need far more CPU than
 * the node, so the machine saturates first. The bench therefore prints two figures: the
 * largest step with zero late frames (measured), and the node's CPU per call-second, which
 * gives the calls one core could carry (1000 ms / CPU ms per call-second; an extrapolation).
 *
 * Flags: --steps 10,50,100,200,300,400,500  --budget-s 240  --ramp-ms 2000  --llm-delay 20
 *        --tts-delay 20  --endpointing 300  --caller-procs 2  --turns 1
 * --turns N: the caller asks N times (each reply ~8 s of audio), so a call lasts about 4 + 10 N s.
 * What a call costs once (webhook, workflow start, vendor connections, records) is spread over
 * longer calls: compare --turns 1 and 4 to tell it from the cost of a call-second of streaming.
 */
const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '10,50,100,200,300,400,500' },
    'budget-s': { type: 'string', default: '240' },
    'ramp-ms': { type: 'string', default: '2000' },
    'llm-delay': { type: 'string', default: '20' },
    'tts-delay': { type: 'string', default: '20' },
    endpointing: { type: 'string', default: '300' },
    'caller-procs': { type: 'string', default: '2' },
    turns: { type: 'string', default: '1' },
  },
});
const steps = (values.steps as string)
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const budgetMs = Number(values['budget-s']) * 1000;
const rampMs = Number(values['ramp-ms']);
const llmDelay = Number(values['llm-delay']);
const ttsDelay = Number(values['tts-delay']);
const endpointingMs = Number(values.endpointing);
const callerProcs = Math.max(1, Number(values['caller-procs']));
const turns = Math.max(1, Number(values.turns));
const TARGET_CALLS = 500;
const TARGET_JITTER_P99_MS = 10;
/** Node CPU (% of one core) above which a missed step is blamed on the node itself. */
const NODE_SATURATED_PCT = 85;
/** src/realtime/media/outbound-audio.ts default pacing lead. */
const LEAD_MS = 300;
const HEARD = 'I have a question about my appointment next week';
const UTTERANCE = 'I have a question about my appointment next week';
/** ~125 characters: about 8 s of simulated speech at 65 ms per character. */
const REPLY =
  'Of course. Your appointment is on Tuesday at ten in the morning. Please arrive early, ' +
  'and bring your card and a list of questions.';
/** The caller says the sentence `--turns` times, each after the agent's reply, then hangs up. */
const SCRIPT: CallerScriptStep[] = [
  ...Array.from({ length: turns }, () => ({ say: UTTERANCE, afterAgentSilenceMs: 150 })),
  { hangUp: true, afterAgentSilenceMs: 150 },
];

interface StepResult {
  calls: number;
  failed: number;
  /** Agent frames as they arrived at the simulated callers (load-generator process). */
  frames: FrameStats;
  /** The same frames as the node handed them to its sockets: what the verdict is judged on. */
  nodeFrames: FrameStats;
  wallMs: number;
  callSeconds: number;
  cpuMs: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  loopP99: number;
  /** Audio messages (and bytes) the node sent to the simulated Deepgram during the step. */
  sttMessages: number;
  sttBytes: number;
  good: boolean;
}

const platform = await startBenchPlatform({ name: 'concurrency' });
const started = performance.now();
const results: StepResult[] = [];
const notes: string[] = [];
try {
  await seedBenchAgent(platform.prisma, {
    systemPrompt: 'You are a receptionist.',
    greeting: 'Hi, how can I help?',
    voice: 'sim-voice',
    ttsModel: 'sim',
    sttModel: 'sim',
    endpointingMs,
  });
  const deepgram = await startSimDeepgram({ fallbackText: HEARD });
  platform.cleanup.add('sim deepgram', () => deepgram.close());
  const openai = await startOpenAiSim({ script: () => ({ text: REPLY }), firstTokenDelayMs: llmDelay });
  platform.cleanup.add('sim openai', () => openai.close());
  const eleven = await startElevenLabsSim({ firstByteDelayMs: ttsDelay });
  platform.cleanup.add('sim elevenlabs', () => eleven.close());

  const nodeEnv: NodeEnv = {
    SB_CONC_TEMPORAL_ADDRESS: (platform.client.connection as Connection).options.address,
    SB_CONC_NAMESPACE: platform.namespace,
    SB_CONC_TASK_QUEUE: platform.taskQueue,
    SB_CONC_DATABASE_URL: await benchDatabaseUrl(),
    SB_CONC_DEEPGRAM_URL: deepgram.baseUrl,
    SB_CONC_OPENAI_URL: openai.url,
    SB_CONC_OPENAI_KEY: openai.apiKey,
    SB_CONC_ELEVENLABS_URL: eleven.url,
    SB_CONC_ELEVENLABS_KEY: eleven.apiKey,
  };
  progress('setup: realtime node process...');
  const node = await startNode(nodeEnv);
  progress(`setup: ${callerProcs} caller process(es)...`);
  const pool = await startCallerPool(callerProcs, platform.cleanup);

  progress('warm-up: 3 calls...');
  await runStep(3, node, pool, deepgram.stats);
  for (const n of steps) {
    const remaining = budgetMs - (performance.now() - started);
    // A step lasts about one call (~15 s) plus the ramp, plus the wait for workflows to close.
    const projected = 20_000 + rampMs;
    if (projected > remaining) {
      notes.push(`step ${n}: skipped, budget left ${Math.round(remaining / 1000)} s`);
      break;
    }
    progress(`step: ${n} concurrent calls...`);
    const r = await runStep(n, node, pool, deepgram.stats);
    results.push(r);
    progress(
      `  sent by node: late ${r.nodeFrames.late}, jitter p99 ${fmtMs(summarize(r.nodeFrames.jitter).p99)} ms; ` +
        `at callers: late ${r.frames.late}, jitter p99 ${fmtMs(summarize(r.frames.jitter).p99)} ms; failed ${r.failed}` +
        (r.nodeFrames.late
          ? `; node late gaps at frame #: ${r.nodeFrames.lateAt.slice(0, 20).join(',')}`
          : ''),
    );
    if (!r.good) break;
  }
  report();
} finally {
  await platform.close();
}

/** The bench database's URL: the server in DATABASE_URL (or ensure-postgres.sh), this database. */
async function benchDatabaseUrl(): Promise<string> {
  const rows = await platform.prisma.$queryRaw<{ db: string }[]>`SELECT current_database()::text AS db`;
  const server =
    process.env.DATABASE_URL ??
    execFileSync('bash', [new URL('../scripts/ensure-postgres.sh', import.meta.url).pathname], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  const url = new URL(server);
  url.pathname = `/${rows[0]?.db}`;
  return url.toString();
}

interface NodeHandle {
  voiceUrl: string;
  stats(): Promise<{ cpuUs: number; rss: number }>;
  /** Send times of the node's agent media frames since the last call, per stream. */
  sends(): Promise<[string, number[]][]>;
}

async function startNode(nodeEnv: NodeEnv): Promise<NodeHandle> {
  const script = new URL('./lib/concurrency/node.ts', import.meta.url).pathname;
  const node = await forkNode<NodeAnswer>(script, { ...nodeEnv }, platform.cleanup);
  return {
    voiceUrl: node.voiceUrl,
    stats: () => node.ask('stats'),
    sends: () => node.ask('sends').then((m) => m.sends),
  };
}

async function runStep(
  n: number,
  node: NodeHandle,
  pool: CallerPool,
  stt: SimDeepgramStats,
): Promise<StepResult> {
  await node.sends();
  const sttBefore = { ...stt };
  const before = await node.stats();
  let rssPeak = before.rss;
  const sampler = setInterval(() => {
    void node.stats().then((s) => {
      rssPeak = Math.max(rssPeak, s.rss);
    });
  }, 250);
  const t0 = performance.now();
  const run = Date.now().toString(36);
  const placed = Array.from({ length: n }, (_, i) => ({
    callSid: `CA${run}${String(i).padStart(5, '0')}`,
    from: `+1415555${String(2000 + (i % 8000)).slice(-4)}`,
    startAtMs: (i * rampMs) / n,
  }));
  const out = await pool.run({
    voiceUrl: node.voiceUrl,
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    script: SCRIPT,
    calls: placed,
    stepTimeoutMs: 30_000,
    deadlineMs: 60_000,
  });
  const wallMs = performance.now() - t0;
  const sttMessages = stt.audioMessages - sttBefore.audioMessages;
  const sttBytes = stt.audioBytes - sttBefore.audioBytes;
  clearInterval(sampler);
  const after = await node.stats();
  rssPeak = Math.max(rssPeak, after.rss);

  const frames: FrameStats = { frames: 0, stretches: 0, late: 0, maxGapMs: 0, lateAt: [], jitter: [] };
  let failed = 0;
  for (const call of out.calls) {
    if (call.error !== undefined || !call.replied) {
      failed++;
      if (call.error !== undefined) progress(`  call failed: ${call.error}`);
    }
    analyseCall(out.arrivals.get(call.callSid) ?? [], LEAD_MS, frames);
  }
  // Let each call workflow see the stream stop and close, so steps do not overlap.
  let giveUp: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(
      placed.map((c) => platform.client.workflow.getHandle(callWorkflowId(c.callSid)).result()),
    ),
    new Promise((r) => {
      giveUp = setTimeout(r, 15_000);
    }),
  ]);
  clearTimeout(giveUp);
  const nodeFrames: FrameStats = { frames: 0, stretches: 0, late: 0, maxGapMs: 0, lateAt: [], jitter: [] };
  for (const [, times] of await node.sends()) analyseCall(times, LEAD_MS, nodeFrames);
  const jitterP99 = summarize(nodeFrames.jitter).p99;
  return {
    calls: n,
    failed,
    frames,
    nodeFrames,
    wallMs,
    callSeconds: out.calls.reduce((sum, c) => sum + c.durationMs, 0) / 1000,
    cpuMs: (after.cpuUs - before.cpuUs) / 1000,
    rssBeforeMb: before.rss / 2 ** 20,
    rssPeakMb: rssPeak / 2 ** 20,
    loopP99: out.loopP99Ms,
    sttMessages,
    sttBytes,
    good: failed === 0 && nodeFrames.late === 0 && jitterP99 <= TARGET_JITTER_P99_MS,
  };
}

/** One core is 1000 ms of CPU per second: the calls it holds at this step's CPU per call-second. */
function callsPerCore(r: StepResult): number {
  return Math.floor(1000 / (r.cpuMs / r.callSeconds));
}

function report(): void {
  const cores = os.cpus().length;
  const best = results.filter((r) => r.good).at(-1);
  console.log(
    `concurrent calls one realtime node process sustains: zero late agent frames (gap > ${LATE_GAP_MS} ms while ` +
      `speaking) and outbound jitter p99 <= ${TARGET_JITTER_P99_MS} ms; calls of ${turns} turn(s)`,
  );
  console.log(
    `  node under test: its own process (child). Simulated callers: ${callerProcs} more processes. Simulated vendors ` +
      `and Temporal worker: the bench process; Temporal dev server and Postgres: the same machine. ${cores} cores: ` +
      `the load generator COMPETES with the node for CPU (the node runs at niceness ${nodeNiceness()}, so it gets CPU ` +
      'ahead of the load generator whenever it is runnable; BENCH_NODE_NICE=0 turns that off). Frame times are taken twice: in the node as each agent frame is handed to its ' +
      "socket (the verdict: the node's own pacing) and at the callers as they arrive, where the load generator's " +
      'event-loop lag (column "caller lag p99") adds gaps the node did not make.',
  );
  const rows: string[][] = [
    [
      'calls',
      'failed',
      'frames',
      'late (node)',
      'max gap',
      'jitter p50',
      'jitter p99',
      'late (caller)',
      'jitter p99 (caller)',
      'node CPU ms/call-s',
      'STT msgs/call-s',
      'node CPU %',
      'RSS base MB',
      'RSS/call KB',
      'caller lag p99',
      'calls/core (extrapolated)',
      'ok',
    ],
  ];
  for (const r of results) {
    const j = summarize(r.nodeFrames.jitter);
    rows.push([
      String(r.calls),
      String(r.failed),
      String(r.nodeFrames.frames),
      String(r.nodeFrames.late),
      fmtMs(r.nodeFrames.maxGapMs),
      fmtMs(j.p50),
      fmtMs(j.p99),
      String(r.frames.late),
      fmtMs(summarize(r.frames.jitter).p99),
      fmtMs(r.cpuMs / r.callSeconds, 2),
      fmtMs(r.sttMessages / r.callSeconds, 1),
      fmtMs((100 * r.cpuMs) / r.wallMs, 0),
      fmtMs(r.rssBeforeMb, 0),
      fmtMs(((r.rssPeakMb - r.rssBeforeMb) * 1024) / r.calls, 0),
      fmtMs(r.loopP99),
      String(callsPerCore(r)),
      r.good ? 'yes' : 'NO',
    ]);
  }
  console.log(table(rows));
  console.log(
    '  jitter: |gap - 20 ms| between consecutive agent frames of a call, leaving out the first ' +
      `${LEAD_MS} ms pacing-lead burst of each stretch of speech. node CPU: process.cpuUsage of the node over the ` +
      'step / summed call durations. RSS/call: (peak RSS during the step - RSS before it) / calls (GC makes it noisy).',
  );
  const last = results.at(-1);
  const perCore = last ? callsPerCore(last) : 0;
  console.log(
    `  MEASURED: largest good step: ${best ? best.calls : 'none'} calls (target >= ${TARGET_CALLS} on one core: ` +
      `${best && best.calls >= TARGET_CALLS ? 'met' : 'not shown by this run'})`,
  );
  if (last) {
    const cause =
      last.good || (100 * last.cpuMs) / last.wallMs >= NODE_SATURATED_PCT
        ? ''
        : `; the ${last.calls}-call step missed while the node used only ` +
          `${fmtMs((100 * last.cpuMs) / last.wallMs, 0)}% of one core: the machine (load generator, Temporal, ` +
          'Postgres) saturated, not the node';
    console.log(
      `  EXTRAPOLATED: node CPU ${fmtMs(last.cpuMs / last.callSeconds, 2)} ms per call-second at ${last.calls} calls, ` +
        `so one core would carry about ${perCore} calls${cause}`,
    );
  }
  for (const note of notes) console.log(`  note: ${note}`);
  console.log(
    `  set-up (s): ${JSON.stringify(platform.setup)}; total ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(
    JSON.stringify({
      bench: 'concurrency',
      cores,
      turns,
      node_niceness: nodeNiceness(),
      max_good_calls: best?.calls ?? 0,
      target_calls: TARGET_CALLS,
      late_gap_ms: LATE_GAP_MS,
      target_jitter_p99_ms: TARGET_JITTER_P99_MS,
      node_cpu_ms_per_call_s: best ? round1(best.cpuMs / best.callSeconds) : null,
      caller_procs: callerProcs,
      calls_per_core_extrapolated: perCore,
      calls_per_core_at_calls: last?.calls ?? null,
      node_rss_kb_per_call: best ? round1(((best.rssPeakMb - best.rssBeforeMb) * 1024) / best.calls) : null,
      steps: results.map((r) => ({
        calls: r.calls,
        failed: r.failed,
        frames: r.nodeFrames.frames,
        late_frames: r.nodeFrames.late,
        max_gap_ms: round1(r.nodeFrames.maxGapMs),
        jitter_p99_ms: round1(summarize(r.nodeFrames.jitter).p99),
        caller_frames: r.frames.frames,
        caller_late_frames: r.frames.late,
        caller_jitter_p99_ms: round1(summarize(r.frames.jitter).p99),
        node_cpu_ms_per_call_s: round1(r.cpuMs / r.callSeconds),
        node_cpu_pct: round1((100 * r.cpuMs) / r.wallMs),
        stt_messages_per_call_s: round1(r.sttMessages / r.callSeconds),
        stt_bytes_per_message: round1(r.sttBytes / Math.max(1, r.sttMessages)),
        calls_per_core_extrapolated: callsPerCore(r),
        node_rss_mb: round1(r.rssPeakMb),
        node_rss_kb_per_call: round1(((r.rssPeakMb - r.rssBeforeMb) * 1024) / r.calls),
        caller_loop_lag_p99_ms: round1(r.loopP99),
        good: r.good,
      })),
      load_generator_shares_cpu: true,
      notes,
    }),
  );
}
