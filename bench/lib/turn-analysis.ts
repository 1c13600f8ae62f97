/**
 * Turns what bench:turn collected (caller timelines, the node's probe, the simulators' request
 * records) into per-turn overhead figures, nominal and actual: "nominal" subtracts the delays the
 * simulators were asked to inject, "actual" the delays they really waited for that reply (timer
 * lateness in the simulator is not platform overhead).
 */
import type { CallerTimeline } from '../../src/sim/twilio/caller.ts';
import type { VoiceSims } from './realtime-node.ts';
import type { SessionProbe } from './turn-probe.ts';

export interface Injected {
  endpointingMs: number;
  llmDelayMs: number;
  ttsDelayMs: number;
}

export interface TurnFigures {
  callerLatency: number[];
  callerOverhead: number[];
  sttHop: number[];
  node: number[];
  llmStage: number[];
  ttsStage: number[];
  frameStage: number[];
  total: number[];
  /** Same as node / stages / total, with the simulators' actual delays subtracted. */
  nodeActual: number[];
  llmStageActual: number[];
  ttsStageActual: number[];
  totalActual: number[];
  /** Actual minus nominal injected delay, per reply: the simulators' own timer lateness. */
  llmSlop: number[];
  ttsSlop: number[];
  unpaired: number;
}

/** Reply text -> delay actually injected for it; the bench's replies are unique per request. */
export function actualDelays(sims: VoiceSims): { llm: Map<string, number>; tts: Map<string, number> } {
  const llm = new Map<string, number>();
  for (const r of sims.openai.requests) {
    if (r.replyText !== undefined && r.firstTokenDelayActualMs !== undefined)
      llm.set(r.replyText, r.firstTokenDelayActualMs);
  }
  const tts = new Map<string, number>();
  for (const r of sims.eleven.requests) {
    if (r.firstByteDelayActualMs !== undefined) tts.set(r.text, r.firstByteDelayActualMs);
  }
  return { llm, tts };
}

export function analyseTurns(
  timelines: CallerTimeline[],
  sessions: SessionProbe[],
  injected: Injected,
  actual: { llm: Map<string, number>; tts: Map<string, number> },
): TurnFigures {
  const { llmDelayMs, ttsDelayMs } = injected;
  const total = injected.endpointingMs + llmDelayMs + ttsDelayMs;
  const r: TurnFigures = {
    callerLatency: [],
    callerOverhead: [],
    sttHop: [],
    node: [],
    llmStage: [],
    ttsStage: [],
    frameStage: [],
    total: [],
    nodeActual: [],
    llmStageActual: [],
    ttsStageActual: [],
    totalActual: [],
    llmSlop: [],
    ttsSlop: [],
    unpaired: 0,
  };
  for (const t of timelines) {
    for (const s of t.said) {
      if (s.latencyMs === undefined || s.interrupted) continue;
      r.callerLatency.push(s.latencyMs);
      r.callerOverhead.push(s.latencyMs - total);
    }
  }
  for (const s of sessions) {
    r.sttHop.push(...s.hops);
    // Pair hop i with turn i only when every speechFinal produced exactly one answered turn.
    const paired = s.hops.length === s.turns.length;
    if (!paired) r.unpaired += Math.max(s.hops.length, s.turns.length);
    s.turns.forEach(({ latency: l, text }, i) => {
      const first = l.llmFirstTokenMs as number;
      const byte = l.ttsFirstByteMs;
      const frame = l.firstFrameMs;
      if (byte === undefined || frame === undefined) return;
      const hop = paired ? (s.hops[i] as number) : undefined;
      r.node.push(frame - llmDelayMs - ttsDelayMs);
      r.llmStage.push(first - llmDelayMs);
      r.ttsStage.push(byte - first - ttsDelayMs);
      r.frameStage.push(frame - byte);
      if (hop !== undefined) r.total.push(hop + frame - llmDelayMs - ttsDelayMs);
      const llmAct = actual.llm.get(text);
      const ttsAct = actual.tts.get(text);
      if (llmAct === undefined || ttsAct === undefined) return;
      r.llmSlop.push(llmAct - llmDelayMs);
      r.ttsSlop.push(ttsAct - ttsDelayMs);
      r.nodeActual.push(frame - llmAct - ttsAct);
      r.llmStageActual.push(first - llmAct);
      r.ttsStageActual.push(byte - first - ttsAct);
      if (hop !== undefined) r.totalActual.push(hop + frame - llmAct - ttsAct);
    });
  }
  return r;
}
