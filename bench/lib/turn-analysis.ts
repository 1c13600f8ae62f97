/**
 * Turns what bench:turn collected (caller timelines, the node's probe, the simulators' request
 * records) into per-turn overhead figures, nominal and net: "nominal" subtracts the delays the
 * simulators were asked to inject, "net" the simulated vendor's whole time for that reply, from
 * the request's arrival to its first token / first audio byte written (the injected delay, the
 * simulator's timer lateness and its own request handling: a vendor's time, not the platform's).
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
  /** Same as node / stages / total, with the simulated vendors' own time subtracted. */
  nodeNet: number[];
  llmStageNet: number[];
  ttsStageNet: number[];
  totalNet: number[];
  /** Vendor time minus the nominal injected delay, per reply: the simulators' handling and lateness. */
  llmVendorExtra: number[];
  ttsVendorExtra: number[];
  unpaired: number;
}

/** Reply text -> the simulated vendor's time for it; the bench's replies are unique per request. */
export interface VendorTimes {
  llm: Map<string, number>;
  tts: Map<string, number>;
}

/** As it crosses the IPC channel from the simulators' process. */
export type VendorTimeEntries = { llm: [string, number][]; tts: [string, number][] };

export function vendorTimeEntries(sims: Pick<VoiceSims, 'openai' | 'eleven'>): VendorTimeEntries {
  const llm: [string, number][] = [];
  for (const r of sims.openai.requests) {
    if (r.replyText !== undefined && r.firstTokenAfterArrivalMs !== undefined)
      llm.push([r.replyText, r.firstTokenAfterArrivalMs]);
  }
  const tts: [string, number][] = [];
  for (const r of sims.eleven.requests) {
    if (r.firstByteAfterArrivalMs !== undefined) tts.push([r.text, r.firstByteAfterArrivalMs]);
  }
  return { llm, tts };
}

export function analyseTurns(
  timelines: CallerTimeline[],
  sessions: SessionProbe[],
  injected: Injected,
  vendor: VendorTimes,
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
    nodeNet: [],
    llmStageNet: [],
    ttsStageNet: [],
    totalNet: [],
    llmVendorExtra: [],
    ttsVendorExtra: [],
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
      const llmVendor = vendor.llm.get(text);
      const ttsVendor = vendor.tts.get(text);
      if (llmVendor === undefined || ttsVendor === undefined) return;
      r.llmVendorExtra.push(llmVendor - llmDelayMs);
      r.ttsVendorExtra.push(ttsVendor - ttsDelayMs);
      r.nodeNet.push(frame - llmVendor - ttsVendor);
      r.llmStageNet.push(first - llmVendor);
      r.ttsStageNet.push(byte - first - ttsVendor);
      if (hop !== undefined) r.totalNet.push(hop + frame - llmVendor - ttsVendor);
    });
  }
  return r;
}
