/** What the simulated caller experienced, for tests and latency reports. Times are ms since the stream opened. */

export interface SaidUtterance {
  text: string;
  startedAtMs: number;
  endedAtMs?: number;
  /** When agent audio next started playing after this utterance ended. */
  agentReplyAtMs?: number;
  /** Voice-to-voice latency: end of the caller's speech to the first agent audio heard. */
  latencyMs?: number;
  /** Spoken while agent audio was playing (barge-in). */
  interrupted: boolean;
}

/** Agent audio actually played between two marks; `mark` is the one that closed the stretch. */
export interface HeardSegment {
  mark?: string;
  bytes: number;
  /** The stretch ended with a clear rather than by playing through to its mark. */
  cleared: boolean;
}

export type TimelineEvent =
  | { type: 'webhook'; atMs: number; status: number }
  | { type: 'connected' | 'started' | 'hung-up' | 'agent-audio-start' | 'agent-audio-end'; atMs: number }
  | { type: 'dtmf'; atMs: number; digit: string }
  | { type: 'mark-echoed'; atMs: number; name: string; afterClear: boolean }
  | { type: 'clear'; atMs: number; droppedBytes: number }
  | { type: 'stream-ended-by-api'; atMs: number; reason: 'completed' | 'redirected' }
  | { type: 'protocol-problem'; atMs: number; detail: string }
  | { type: 'closed'; atMs: number; code: number; reason: string };

export interface CallerTimeline {
  callSid: string;
  streamSid: string;
  twiml?: string;
  customParameters: Record<string, string>;
  events: TimelineEvent[];
  said: SaidUtterance[];
  heard: HeardSegment[];
  /** Inbound media frames sent, and when (ms), to check pacing. */
  mediaSentAtMs: number[];
  agentBytesReceived: number;
  agentBytesPlayed: number;
  /** Agent payloads that began with a RIFF (WAV) header, heard as a click on a real phone. */
  wavHeaders: number;
  closeCode?: number;
  closeReason?: string;
}

export function newTimeline(callSid: string, streamSid: string): CallerTimeline {
  return {
    callSid,
    streamSid,
    customParameters: {},
    events: [],
    said: [],
    heard: [{ bytes: 0, cleared: false }],
    mediaSentAtMs: [],
    agentBytesReceived: 0,
    agentBytesPlayed: 0,
    wavHeaders: 0,
  };
}

/** Adds played bytes to the open stretch of heard audio. */
export function recordHeard(timeline: CallerTimeline, bytes: number): void {
  (timeline.heard.at(-1) as HeardSegment).bytes += bytes;
  timeline.agentBytesPlayed += bytes;
}

/** Closes the open stretch with a mark and opens the next. */
export function closeHeard(timeline: CallerTimeline, mark: string, cleared: boolean): void {
  const open = timeline.heard.at(-1) as HeardSegment;
  open.mark = mark;
  open.cleared = cleared;
  timeline.heard.push({ bytes: 0, cleared: false });
}
