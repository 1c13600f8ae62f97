/**
 * Outbound (agent -> caller) media frame arrival times, recorded at the simulated caller, and the
 * late-frame / jitter figures computed from them.
 */
import { StreamSession } from '../../../src/sim/twilio/stream-session.ts';

export const FRAME_MS = 20;
/** A gap longer than this between consecutive agent frames while the agent speaks is "late". */
export const LATE_GAP_MS = 40;
/** No agent frame for this long: the agent stopped speaking (caller's turn), a new stretch begins. */
export const STRETCH_BREAK_MS = 1000;

/** callSid -> performance.now() of each agent media frame, in arrival order. */
export const arrivals = new Map<string, number[]>();

let installed = false;

/**
 * Wraps the simulated caller's (private) per-media-frame handler so every agent frame's arrival
 * is timestamped before it is queued for playback. The caller's behaviour is unchanged.
 */
export function recordAgentFrameArrivals(): void {
  if (installed) return;
  installed = true;
  const proto = StreamSession.prototype as unknown as {
    onAgentAudio(this: { tl: { callSid: string } }, payload: string): void;
  };
  const original = proto.onAgentAudio;
  proto.onAgentAudio = function (payload: string) {
    const at = performance.now();
    const callSid = this.tl.callSid;
    let list = arrivals.get(callSid);
    if (!list) {
      list = [];
      arrivals.set(callSid, list);
    }
    list.push(at);
    original.call(this, payload);
  };
}

export interface FrameStats {
  frames: number;
  /** Stretches of continuous agent speech (greeting, reply, ...). */
  stretches: number;
  /** Gaps > LATE_GAP_MS (and < STRETCH_BREAK_MS) between consecutive frames of a stretch. */
  late: number;
  maxGapMs: number;
  /** Where the late gaps fell: frame index within its stretch (diagnostics). */
  lateAt: number[];
  /** |gap - 20 ms| for steady-state gaps (after the initial lead burst of each stretch). */
  jitter: number[];
}

/**
 * Splits one call's arrivals into stretches and measures the gaps inside them. The node sends
 * the first `leadMs` of each stretch at once (its pacing lead), then one frame per 20 ms: the
 * burst's near-zero gaps are left out of the jitter, not out of the late count.
 */
export function analyseCall(times: readonly number[], leadMs: number, into: FrameStats): void {
  const burst = Math.ceil(leadMs / FRAME_MS) + 2;
  into.frames += times.length;
  if (times.length > 0) into.stretches += 1;
  let inStretch = 0;
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i] as number) - (times[i - 1] as number);
    if (gap >= STRETCH_BREAK_MS) {
      into.stretches += 1;
      inStretch = 0;
      continue;
    }
    inStretch += 1;
    if (gap > LATE_GAP_MS) {
      into.late += 1;
      into.lateAt.push(inStretch);
    }
    if (gap > into.maxGapMs) into.maxGapMs = gap;
    if (inStretch > burst) into.jitter.push(Math.abs(gap - FRAME_MS));
  }
}
