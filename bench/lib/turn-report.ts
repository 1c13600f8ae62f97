/** The tables and the closing JSON line of bench:turn (see bench/turn.ts for what is measured). */
import os from 'node:os';
import { nodeNiceness } from './child-node.ts';
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
    `  on ${cores} cores. The simulated vendors run in a process of their own, at niceness ${nodeNiceness()} (CPU ` +
      'ahead of the callers, worker, Temporal and Postgres). node "separate": the realtime node runs in a process of ' +
      `its own, at niceness ${nodeNiceness()} too; "same": it ` +
      'shares this process with the simulated callers and the Temporal ' +
      'worker (their work and timer lateness count). The Temporal dev server and Postgres are on the same machine.',
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
      'net p50',
      'net p99',
      'caller p50',
      'caller p99',
    ],
  ];
  for (const r of results) {
    const total = summarize(r.total);
    const net = summarize(r.totalNet);
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
      fmtMs(net.p50),
      fmtMs(net.p99),
      fmtMs(caller.p50, 0),
      fmtMs(caller.p99, 0),
    ]);
  }
  console.log(table(rows));
  console.log(
    "  overhead: precise, from the node's process (STT hop + node), minus the nominal LLM and TTS delays, ms. " +
      "net: the same turns minus the simulated vendors' own time for each reply (request arrival -> first token / " +
      'first audio byte written: the injected delay, their timer lateness and request handling). caller: the ' +
      "simulated caller's latencyMs minus " +
      `${injectedMs} ms; 20 ms resolution (its 20 ms frame clock: the frame that completes the endpointing silence ` +
      'leaves at the start of its 20 ms, agent audio is noticed on the next tick), so it reads 0 for anything up to 20 ms.',
  );
  console.log(
    '  breakdown of the precise overhead (ms, p50 / p99; nominal delays subtracted, then net of vendor time):',
  );
  console.log(
    table([
      [
        'concurrency',
        'STT hop',
        'node total',
        'turn end->LLM 1st token',
        '1st token->TTS 1st byte',
        'byte->frame sent',
        'node (net)',
        'LLM stage (net)',
        'TTS stage (net)',
        'vendor time beyond delay LLM / TTS p50',
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
        stage(r.nodeNet),
        stage(r.llmStageNet),
        stage(r.ttsStageNet),
        `${fmtMs(summarize(r.llmVendorExtra).p50)} / ${fmtMs(summarize(r.ttsVendorExtra).p50)}`,
        `${fmtMs(r.loopP50)} / ${fmtMs(r.loopP99)} / ${fmtMs(r.loopMax)}`,
        r.nodeCpuMsPerTurn === undefined ? '-' : fmtMs(r.nodeCpuMsPerTurn),
      ]),
    ]),
  );
  console.log(
    '  STT hop: frame completing the endpointing silence handed to the Deepgram adapter -> its speechFinal back ' +
      '(adapter, loopback WebSocket, simulated recogniser). node: that transcript -> first agent frame written to ' +
      'the media socket, minus injected LLM and TTS delays (LLM stage minus its delay, TTS stage minus its delay). ' +
      'vendor time beyond delay: how much longer than the injected delay the simulators took from request arrival ' +
      'to first token / byte (their request handling and timer lateness). ' +
      'event-loop lag: of this (parent) process. node CPU: all the CPU the separate node process spent during the ' +
      'level divided by the turns answered (media, STT, sessions, workflow client, DB writes included).',
  );
  for (const r of results) {
    const total = summarize(r.total);
    const net = summarize(r.totalNet);
    console.log(
      `  target at concurrency ${r.concurrency} (${r.placement}): p50 <= ${targetP50Ms} ms: ${fmtMs(total.p50)} ${verdict(total.p50, targetP50Ms)} ` +
        `(net ${fmtMs(net.p50)} ${verdict(net.p50, targetP50Ms)}); p99 <= ${targetP99Ms} ms: ${fmtMs(total.p99)} ` +
        `${verdict(total.p99, targetP99Ms)} (net ${fmtMs(net.p99)} ${verdict(net.p99, targetP99Ms)})` +
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
    node_niceness: nodeNiceness(),
    injected_ms: {
      endpointing: inj.endpointingMs,
      llm_first_token: inj.llmDelayMs,
      tts_first_byte: inj.ttsDelayMs,
    },
    levels: input.results.map((r) => {
      const total = summarize(r.total);
      const net = summarize(r.totalNet);
      const caller = summarize(r.callerOverhead);
      return {
        concurrency: r.concurrency,
        node_process: r.placement,
        calls: r.calls,
        turns: total.n,
        overhead_p50_ms: round1(total.p50),
        overhead_p99_ms: round1(total.p99),
        overhead_max_ms: round1(total.max),
        overhead_net_p50_ms: round1(net.p50),
        overhead_net_p99_ms: round1(net.p99),
        stt_hop_p50_ms: round1(summarize(r.sttHop).p50),
        node_p50_ms: round1(summarize(r.node).p50),
        node_p99_ms: round1(summarize(r.node).p99),
        llm_stage_net_p50_ms: round1(summarize(r.llmStageNet).p50),
        tts_stage_net_p50_ms: round1(summarize(r.ttsStageNet).p50),
        sim_llm_extra_p50_ms: round1(summarize(r.llmVendorExtra).p50),
        sim_tts_extra_p50_ms: round1(summarize(r.ttsVendorExtra).p50),
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
