import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TurnRecord } from '../domain/turn.ts';
import type { TurnSink } from './session/types.ts';

/** Stages of a turn, from the end of the caller's speech; one histogram label per stage. */
const STAGES = ['sttFinalMs', 'llmFirstTokenMs', 'ttsFirstByteMs', 'firstFrameMs'] as const;
const STAGE_LABELS: Record<(typeof STAGES)[number], string> = {
  sttFinalMs: 'stt_final',
  llmFirstTokenMs: 'llm_first_token',
  ttsFirstByteMs: 'tts_first_byte',
  firstFrameMs: 'first_frame',
};

/**
 * The realtime node's Prometheus metrics: per-turn latency by stage, barge-ins, TTS failovers and
 * live calls. Fed by the turn records the sessions already produce, so nothing on the audio
 * path waits for metrics.
 */
export function createCallMetrics() {
  const registry = new Registry();
  const turnLatency = new Histogram({
    name: 'switchboard_turn_latency_ms',
    help: 'Time from the end of caller speech to each stage of the agent reply',
    labelNames: ['stage'],
    buckets: [25, 50, 100, 200, 300, 500, 800, 1200, 2000, 3500, 6000],
    registers: [registry],
  });
  const interrupted = new Counter({
    name: 'switchboard_agent_turns_interrupted_total',
    help: 'Agent turns cut short by caller barge-in',
    registers: [registry],
  });
  const agentTurns = new Counter({
    name: 'switchboard_agent_turns_total',
    help: 'Agent turns',
    registers: [registry],
  });
  const ttsFailovers = new Counter({
    name: 'switchboard_tts_failovers_total',
    help: 'Calls that switched to the fallback voice',
    registers: [registry],
  });
  const liveCalls = new Gauge({
    name: 'switchboard_live_calls',
    help: 'Calls with an open media stream',
    registers: [registry],
  });

  function observe(turn: TurnRecord): void {
    if (turn.role !== 'assistant') return;
    agentTurns.inc();
    if (turn.interrupted) interrupted.inc();
    for (const stage of STAGES) {
      const value = turn.latency?.[stage];
      if (value !== undefined) turnLatency.observe({ stage: STAGE_LABELS[stage] }, value);
    }
  }

  return {
    registry,
    /** Wraps a call's turn sink so every stored turn is also counted. */
    wrapTurns(inner: TurnSink): TurnSink {
      return {
        record(turn) {
          observe(turn);
          inner.record(turn);
        },
      };
    },
    callStarted: () => liveCalls.inc(),
    callEnded: () => liveCalls.dec(),
    ttsFailover: () => ttsFailovers.inc(),
  };
}

export type CallMetrics = ReturnType<typeof createCallMetrics>;
