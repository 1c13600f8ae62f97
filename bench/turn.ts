import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type CallerScriptStep, placeSimCall } from '../src/sim/twilio/caller.ts';
import { callWorkflowId } from '../src/workflows/call/contract.ts';
import { seedBenchAgent } from './lib/agent.ts';
import { progress, startBenchPlatform } from './lib/platform.ts';
import { ACCOUNT_SID, AUTH_TOKEN, buildRealtimeNode } from './lib/realtime-node.ts';
import { analyseTurns, type TurnFigures } from './lib/turn-analysis.ts';
import { startTurnNodeProcess } from './lib/turn-node-process.ts';
import { createTurnProbe, type SessionProbe } from './lib/turn-probe.ts';
import { printReport } from './lib/turn-report.ts';
import { startVoiceSimsProcess, type VoiceSimsProcess } from './lib/voice-sims-process.ts';

/**
 * `npm run bench:turn`: per-turn platform overhead, i.e. voice-to-voice latency minus the delays
 * the simulated vendors inject. The realtime node is built as in the e2e test (real webhooks,
 * media socket, call session, vendor adapters, call workflow on a real worker and Postgres)
 * against simulated Deepgram / OpenAI / ElevenLabs, which run in a process of their own as real
 * vendors run on their own machines (bench/lib/voice-sims-node.ts); simulated callers (placeSimCall) each say a
 * few utterances and the agent answers each with a short plain reply (unique per request, so the
 * simulators' records of that reply can be found).
 *
 * Where the node runs (--node): `same` puts it in this process with the simulated callers and the
 * Temporal worker; `separate` (default) forks it into a process of its own
 * (bench/lib/turn-node.ts), so the callers' and the worker's work and timer lateness are not in
 * its event loop, as in a deployment (realtime and worker roles are separate processes).
 *
 * Views of the same turns:
 * - caller: the caller's timeline `latencyMs` (end of its speech -> first agent audio) minus the
 *   STT endpointing wait, the LLM first-token delay and the TTS first-byte delay. The simulated
 *   caller runs on a 20 ms frame clock, so this figure has 20 ms resolution.
 * - precise (sub-ms, performance.now in the node's process): STT hop (the frame that completed
 *   the endpointing silence handed to the STT adapter -> its speechFinal transcript back) plus node
 *   (that transcript -> first agent audio frame written to the media socket, from the session's own
 *   latency tracker), minus the LLM and TTS delays: "nominal" subtracts the configured delays,
 *   "net" the simulated vendors' whole time for that reply as they recorded it, from the request's
 *   arrival to the first token / audio byte written (their handling and timer lateness are the
 *   vendor's, not the platform's).
 *
 * Flags: --concurrency 1,50,200  --utterances N (default: enough for --min-turns per level, 4..40)
 *        --min-turns 30  --llm-delay 20  --tts-delay 20  --endpointing 300  --budget-s 240
 *        --node separate|same
 */
const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1,50,200' },
    utterances: { type: 'string' },
    'min-turns': { type: 'string', default: '30' },
    'llm-delay': { type: 'string', default: '20' },
    'tts-delay': { type: 'string', default: '20' },
    endpointing: { type: 'string', default: '300' },
    'budget-s': { type: 'string', default: '240' },
    node: { type: 'string', default: 'separate' },
  },
});
const levels = (values.concurrency as string).split(',').map(Number);
const minTurns = Number(values['min-turns']);
const llmDelay = Number(values['llm-delay']);
const ttsDelay = Number(values['tts-delay']);
const endpointingMs = Number(values.endpointing);
const budgetMs = Number(values['budget-s']) * 1000;
const nodeMode = values.node as string;
if (!['same', 'separate'].includes(nodeMode)) throw new Error('--node must be separate or same');
const TARGET_P50_MS = 5;
const TARGET_P99_MS = 15;
/** Event-loop delay sampling interval; the histogram's readings include it, so it is subtracted. */
const LOOP_SAMPLE_MS = 2;
const HEARD = 'I have a question about my appointment';
/** What callers say; different lengths so concurrent calls drift apart instead of speaking in step. */
const LINES = [
  'I have a question',
  'Can I come in tomorrow morning',
  'What time do you open',
  'Is there parking nearby',
  'Do I need to bring anything',
];

type Placement = 'same' | 'separate';

/** A realtime node the callers can dial, wherever it runs. */
interface NodeTarget {
  placement: Placement;
  voiceUrl: string;
  take(): Promise<SessionProbe[]>;
  /** CPU time of the node's process, µs; undefined when it shares this process. */
  cpuUs(): Promise<number | undefined>;
}

function script(utterances: number, seed: number): CallerScriptStep[] {
  const steps: CallerScriptStep[] = [];
  for (let i = 0; i < utterances; i++) {
    steps.push({ say: LINES[(seed + i) % LINES.length] as string, afterAgentSilenceMs: 150 });
  }
  steps.push({ hangUp: true, afterAgentSilenceMs: 150 });
  return steps;
}

interface LevelResult extends TurnFigures {
  concurrency: number;
  placement: Placement;
  calls: number;
  utterances: number;
  wallMs: number;
  failedCalls: number;
  cutShort: boolean;
  /** Event-loop delay of this (parent) process during the level, ms. */
  loopP50: number;
  loopP99: number;
  loopMax: number;
  /** CPU ms the node's own process spent per answered turn (all its work, not only the turn). */
  nodeCpuMsPerTurn: number | undefined;
}

const platform = await startBenchPlatform({ name: 'turn' });
const started = performance.now();
const results: LevelResult[] = [];
const notes: string[] = [];
try {
  await seedBenchAgent(platform.prisma, {
    systemPrompt: 'You are a receptionist. Answer briefly.',
    greeting: 'Hi, how can I help?',
    voice: 'sim-voice',
    ttsModel: 'sim',
    sttModel: 'sim',
    endpointingMs,
  });
  progress('starting the simulated vendors in a process of their own...');
  const sims = await startVoiceSimsProcess(
    {
      llmFirstTokenDelayMs: llmDelay,
      ttsFirstByteDelayMs: ttsDelay,
      heardText: HEARD,
      // A short plain reply, unique per request: the simulators' records are found by its text.
      replyTemplate: 'Okay, noted {n}.',
    },
    platform.cleanup,
  );
  const targets = new Map<Placement, NodeTarget>();
  const target = async (placement: Placement): Promise<NodeTarget> => {
    const known = targets.get(placement);
    if (known) return known;
    let made: NodeTarget;
    if (placement === 'same') {
      const probe = createTurnProbe();
      const local = await buildRealtimeNode({
        client: platform.client,
        prisma: platform.prisma,
        taskQueue: platform.taskQueue,
        logger: platform.logger,
        cleanup: platform.cleanup,
        endpoints: sims.endpoints,
        wrapSession: probe.wrapSession,
        nodeId: 'bench',
      });
      made = {
        placement,
        voiceUrl: local.voiceUrl,
        take: async () => probe.take(),
        cpuUs: async () => undefined,
      };
    } else {
      progress('starting the realtime node in a process of its own...');
      const child = await startTurnNodeProcess(platform, sims.endpoints);
      made = { placement, voiceUrl: child.voiceUrl, take: child.take, cpuUs: child.cpuUs };
    }
    // Throwaway calls warm the code paths (JIT, connection pools, workflow caches); not reported.
    progress(`warm-up (${placement} process): 5 calls x 3 utterances...`);
    await runLevel(made, 5, 3, 60_000, sims);
    targets.set(placement, made);
    return made;
  };
  let perTurnMs = 2000;

  for (const requested of levels) {
    let concurrency = requested;
    const placement = nodeMode as Placement;
    const node = await target(placement);
    const utterances = values.utterances
      ? Number(values.utterances)
      : Math.min(40, Math.max(4, Math.ceil(minTurns / concurrency)));
    const remaining = budgetMs - (performance.now() - started);
    // A turn takes longer when many calls share the two cores; assume up to twice as long.
    const projected = utterances * perTurnMs * 2 + 5000;
    if (projected > remaining) {
      const note = `concurrency ${requested}: skipped, ~${Math.round(projected / 1000)} s projected but ${Math.round(remaining / 1000)} s of the budget left`;
      notes.push(note);
      progress(note);
      continue;
    }
    progress(
      `concurrency ${concurrency} (${placement} process): ${concurrency} calls x ${utterances} utterances...`,
    );
    let level = await runLevel(node, concurrency, utterances, remaining, sims);
    if (level.failedCalls > 0 && level.failedCalls >= concurrency / 2 && concurrency > 1) {
      notes.push(`concurrency ${concurrency}: ${level.failedCalls} of ${concurrency} calls failed`);
      concurrency = Math.max(1, Math.floor(concurrency / 2));
      const retryRemaining = budgetMs - (performance.now() - started);
      notes.push(`  retried at concurrency ${concurrency}`);
      progress(`retrying at concurrency ${concurrency}...`);
      level = await runLevel(node, concurrency, utterances, retryRemaining, sims);
    }
    if (level.cutShort) notes.push(`concurrency ${concurrency}: budget ran out, calls were hung up early`);
    results.push(level);
    perTurnMs = level.wallMs / Math.max(1, utterances);
  }
  printReport({
    results,
    injected: { endpointingMs, llmDelayMs: llmDelay, ttsDelayMs: ttsDelay },
    notes,
    setup: platform.setup,
    elapsedS: (performance.now() - started) / 1000,
    targetP50Ms: TARGET_P50_MS,
    targetP99Ms: TARGET_P99_MS,
  });
} finally {
  await platform.close();
}

async function runLevel(
  node: NodeTarget,
  concurrency: number,
  utterances: number,
  timeoutMs: number,
  sims: VoiceSimsProcess,
): Promise<LevelResult> {
  await node.take();
  const cpuBefore = await node.cpuUs();
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loop.enable();
  const t0 = performance.now();
  const run = Date.now().toString(36);
  // Start calls spread over a second, as real calls would not all arrive in the same millisecond.
  const calls = await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (i * 1000) / concurrency));
      return placeSimCall({
        voiceUrl: node.voiceUrl,
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        from: `+1415555${String(2000 + i).slice(-4)}`,
        to: '+14155550100',
        callSid: `CA${run}${String(i).padStart(4, '0')}`,
        script: script(utterances, i),
        logger: platform.logger,
        stepTimeoutMs: 30_000,
      });
    }),
  );
  let cutShort = false;
  const deadline = setTimeout(() => {
    cutShort = true;
    for (const c of calls) c.hangUp();
  }, timeoutMs);
  const outcomes = await Promise.allSettled(calls.map((c) => c.done));
  clearTimeout(deadline);
  const wallMs = performance.now() - t0;
  loop.disable();
  let failedCalls = 0;
  for (const o of outcomes) {
    if (o.status === 'rejected') {
      failedCalls++;
      progress(`  call failed: ${(o.reason as Error).message}`);
    }
  }
  // Let each call workflow see the stream stop and close, so levels do not overlap. Waits that
  // lose the race are aborted: a result() still long-polling when the connection closes at the
  // end would throw from its retry timer.
  let giveUp: NodeJS.Timeout | undefined;
  const stopWaiting = new AbortController();
  await Promise.race([
    Promise.allSettled(
      calls.map((c) =>
        platform.client.connection.withAbortSignal(stopWaiting.signal, () =>
          platform.client.workflow.getHandle(callWorkflowId(c.callSid)).result(),
        ),
      ),
    ),
    new Promise((r) => {
      giveUp = setTimeout(r, 15_000);
    }),
  ]);
  clearTimeout(giveUp);
  stopWaiting.abort();
  const cpuAfter = await node.cpuUs();
  const sessions = await node.take();
  const figures = analyseTurns(
    calls.map((c) => c.timeline),
    sessions,
    { endpointingMs, llmDelayMs: llmDelay, ttsDelayMs: ttsDelay },
    await sims.vendorTimes(),
  );
  const turns = sessions.reduce((n, s) => n + s.turns.length, 0);
  // A call the node refused or dropped ends quietly for its caller: count the calls whose
  // conversation did not get an answer to every utterance.
  const answeredInFull = sessions.filter((s) => s.turns.length >= utterances).length;
  failedCalls = Math.max(failedCalls, concurrency - answeredInFull);
  const lag = (ns: number) => Math.max(0, ns / 1e6 - LOOP_SAMPLE_MS);
  return {
    ...figures,
    concurrency,
    placement: node.placement,
    calls: calls.length,
    utterances,
    wallMs,
    failedCalls,
    cutShort,
    loopP50: lag(loop.percentile(50)),
    loopP99: lag(loop.percentile(99)),
    loopMax: lag(loop.max),
    nodeCpuMsPerTurn:
      cpuBefore !== undefined && cpuAfter !== undefined && turns > 0
        ? (cpuAfter - cpuBefore) / 1000 / turns
        : undefined,
  };
}
