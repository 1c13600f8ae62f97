/** The tables and the closing JSON line of bench:turn (see bench/turn.ts for what is measured). */
import os from 'node:os';
import { fmtMs, round1, summarize, table, verdict } from './stats.ts';
import type { Injected, TurnFigures } from './turn-analysis.ts';

export interface ReportedLevel extends TurnFigures {
  concurrency: number;
  placement: 'same' | 'separate';
  calls: number;
  failedCalls: number;
  loopP50: number;
  loopP99: number;
  loopMax: number;
  nodeCpuMsPerTurn: number | undefined;
}

export interface ReportInput {
  results: ReportedLevel[];
  injected: Injected;
  notes: string[];
  setup: Record<string, number>;
  elapsedS: number;
  targetP50Ms: number;
  targetP99Ms: number;
}

const stage = (xs: number[]) => {
  const s = summarize(xs);
  return `${fmtMs(s.p50)} / ${fmtMs(s.p99)}`;
};

export function printReport(input: ReportInput): void {
  const { results, injected: inj, targetP50Ms, targetP99Ms } = input;
  const injectedMs = inj.endpointingMs + inj.llmDelayMs + inj.ttsDelayMs;
  const cores = os.cpus().length;
  console.log(
    `per-turn platform overhead = voice-to-voice latency - injected vendor delays ` +
      `(STT endpointing ${inj.endpointingMs} ms + LLM first token ${inj.llmDelayMs} ms + TTS first byte ${inj.ttsDelayMs} ms = ${injectedMs} ms)`,
  );
  console.log(
    `  on ${cores} cores. node "same": the realtime node shares this process with the simulated callers, simulated ` +
      'vendors and the Temporal worker (their work and timer lateness count). node "separate": the node runs in a ' +
      'process of its own. The Temporal dev server and Postgres are on the same machine either way.',
  );
  const rows: string[][] = [
    [
      'concurrency',
      'node',
      'calls',
      'turns',
      'v2v p50',
      'overhead p50',
      'overhead p99',
      'max',
      'actual p50',
      'actual p99',
      'caller p50',
      'caller p99',
    ],
  ];
  for (const r of results) {
    const total = summarize(r.total);
    const actual = summarize(r.totalActual);
    const caller = summarize(r.callerOverhead);
    rows.push([
      String(r.concurrency),
      r.placement,
      String(r.calls),
      String(total.n),
      fmtMs(summarize(r.callerLatency).p50, 0),
      fmtMs(total.p50),
      fmtMs(total.p99),
      fmtMs(total.max),
      fmtMs(actual.p50),
      fmtMs(actual.p99),
      fmtMs(caller.p50, 0),
      fmtMs(caller.p99, 0),
    ]);
  }
  console.log(table(rows));
  console.log(
    "  overhead: precise, from the node's process (STT hop + node), minus the nominal LLM and TTS delays, ms. " +
      'actual: the same turns minus the delays the simulators actually waited for each reply (their timer ' +
      "lateness removed). caller: the simulated caller's latencyMs minus " +
      `${injectedMs} ms; 20 ms resolution (its 20 ms frame clock: the frame that completes the endpointing silence ` +
      'leaves at the start of its 20 ms, agent audio is noticed on the next tick), so it reads 0 for anything up to 20 ms.',
  );
  console.log('  breakdown of the precise overhead (ms, p50 / p99; nominal, then actual delays subtracted):');
  console.log(
    table([
      [
        'concurrency',
        'STT hop',
        'node total',
        'turn end->LLM 1st token',
        '1st token->TTS 1st byte',
        'byte->frame sent',
        'node (actual)',
        'LLM stage (actual)',
        'TTS stage (actual)',
        'sim lateness LLM / TTS p50',
        'event-loop lag p50 / p99 / max',
        'node CPU ms/turn',
      ],
      ...results.map((r) => [
        String(r.concurrency),
        stage(r.sttHop),
        stage(r.node),
        stage(r.llmStage),
        stage(r.ttsStage),
        stage(r.frameStage),
        stage(r.nodeActual),
        stage(r.llmStageActual),
        stage(r.ttsStageActual),
        `${fmtMs(summarize(r.llmSlop).p50)} / ${fmtMs(summarize(r.ttsSlop).p50)}`,
        `${fmtMs(r.loopP50)} / ${fmtMs(r.loopP99)} / ${fmtMs(r.loopMax)}`,
        r.nodeCpuMsPerTurn === undefined ? '-' : fmtMs(r.nodeCpuMsPerTurn),
      ]),
    ]),
  );
  console.log(
    '  STT hop: frame completing the endpointing silence handed to the Deepgram adapter -> its speechFinal back ' +
      '(adapter, loopback WebSocket, simulated recogniser). node: that transcript -> first agent frame written to ' +
      'the media socket, minus injected LLM and TTS delays (LLM stage minus its delay, TTS stage minus its delay). ' +
      'sim lateness: how much longer than asked the simulators waited (setTimeout lateness under load). ' +
      'event-loop lag: of this (parent) process. node CPU: all the CPU the separate node process spent during the ' +
      'level divided by the turns answered (media, STT, sessions, workflow client, DB writes included).',
  );
  for (const r of results) {
    const total = summarize(r.total);
    const actual = summarize(r.totalActual);
    console.log(
      `  target at concurrency ${r.concurrency} (${r.placement}): p50 <= ${targetP50Ms} ms: ${fmtMs(total.p50)} ${verdict(total.p50, targetP50Ms)} ` +
        `(actual ${fmtMs(actual.p50)} ${verdict(actual.p50, targetP50Ms)}); p99 <= ${targetP99Ms} ms: ${fmtMs(total.p99)} ` +
        `${verdict(total.p99, targetP99Ms)} (actual ${fmtMs(actual.p99)} ${verdict(actual.p99, targetP99Ms)})` +
        (r.failedCalls ? `; ${r.failedCalls} calls failed` : '') +
        (r.unpaired ? `; ${r.unpaired} turns unpaired` : ''),
    );
  }
  for (const note of input.notes) console.log(`  note: ${note}`);
  console.log(`  set-up (s): ${JSON.stringify(input.setup)}; total ${input.elapsedS.toFixed(0)} s`);
  console.log(JSON.stringify(summaryJson(input, cores)));
}

function summaryJson(input: ReportInput, cores: number): Record<string, unknown> {
  const { injected: inj } = input;
  return {
    bench: 'turn',
    cores,
    injected_ms: {
      endpointing: inj.endpointingMs,
      llm_first_token: inj.llmDelayMs,
      tts_first_byte: inj.ttsDelayMs,
    },
    levels: input.results.map((r) => {
      const total = summarize(r.total);
      const actual = summarize(r.totalActual);
      const caller = summarize(r.callerOverhead);
      return {
        concurrency: r.concurrency,
        node_process: r.placement,
        calls: r.calls,
        turns: total.n,
        overhead_p50_ms: round1(total.p50),
        overhead_p99_ms: round1(total.p99),
        overhead_max_ms: round1(total.max),
        overhead_actual_p50_ms: round1(actual.p50),
        overhead_actual_p99_ms: round1(actual.p99),
        stt_hop_p50_ms: round1(summarize(r.sttHop).p50),
        node_p50_ms: round1(summarize(r.node).p50),
        node_p99_ms: round1(summarize(r.node).p99),
        llm_stage_actual_p50_ms: round1(summarize(r.llmStageActual).p50),
        tts_stage_actual_p50_ms: round1(summarize(r.ttsStageActual).p50),
        sim_llm_lateness_p50_ms: round1(summarize(r.llmSlop).p50),
        sim_tts_lateness_p50_ms: round1(summarize(r.ttsSlop).p50),
        event_loop_lag_p99_ms: round1(r.loopP99),
        node_cpu_ms_per_turn: r.nodeCpuMsPerTurn === undefined ? null : round1(r.nodeCpuMsPerTurn),
        caller_v2v_p50_ms: round1(summarize(r.callerLatency).p50),
        caller_overhead_p50_ms: round1(caller.p50),
        caller_overhead_p99_ms: round1(caller.p99),
        failed_calls: r.failedCalls,
      };
    }),
    notes: input.notes,
    target_p50_ms: input.targetP50Ms,
    target_p99_ms: input.targetP99Ms,
  };
}
