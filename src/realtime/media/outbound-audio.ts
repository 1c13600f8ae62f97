/**
 * Paces agent audio to Twilio. Twilio would buffer anything we send, but then `clear` would
 * have to throw away seconds of speech we could not account for, and our idea of "what the
 * caller heard" would drift from reality. So we stay at most `leadMs` ahead of playback and
 * keep, per utterance, when each sent frame should play.
 */
import { nodePacingClock, type PacerClock } from './pacing-clock.ts';
import { buildClearFrame, buildMarkFrame, mediaFrameEncoder } from './protocol.ts';

export type { PacerClock } from './pacing-clock.ts';

const FRAME_BYTES = 160;
const FRAME_MS = 20;
const MULAW_SILENCE = 0xff;
/** Utterance records kept for `bytesPlayedEstimate` after they finish. */
const MAX_RECORDS = 64;
const EMPTY = new Uint8Array(0);

/** A timer per call: kept for callers that want one; the default is the node's shared clock. */
export const systemClock: PacerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface OutboundAudioOptions {
  streamSid: string;
  /** Sends one JSON text frame on the media socket. */
  send: (frameJson: string) => void;
  /** How far ahead of real-time playback we may run; 200–400 ms keeps `clear` tight. */
  leadMs?: number;
  /** Defaults to the node-wide 20 ms pacing clock shared by every call (pacing-clock.ts). */
  clock?: PacerClock;
}

export interface CutUtterance {
  utteranceId: string;
  /** Bytes of real audio (no padding) already handed to Twilio. */
  sentBytes: number;
  /** Of those, how many had played by the time of the clear, by our pacing clock. */
  playedBytesEstimate: number;
  /** Bytes that were queued here and never sent. */
  droppedBytes: number;
}

export interface OutboundAudio {
  enqueue(utteranceId: string, mulaw: Uint8Array): void;
  /** Flushes the utterance's last partial frame and queues a mark named after it. */
  endUtterance(utteranceId: string): void;
  /** Drops everything queued, tells Twilio to clear, and reports what was cut. */
  clear(): CutUtterance[];
  /** Twilio echoed a mark: the utterance was fully heard, unless it had been cleared. */
  markPlayed(name: string): { utteranceId: string; fullyHeard: boolean } | undefined;
  bytesPlayedEstimate(utteranceId: string): number;
  bytesSent(utteranceId: string): number;
  /** Audio queued here or sent and not yet confirmed by its mark. */
  readonly busy: boolean;
  close(): void;
}

/** Audio frames are queued as finished JSON: encoded once, when the audio arrives. */
type QueueItem =
  | { kind: 'audio'; utteranceId: string; json: string; realBytes: number }
  | { kind: 'mark'; utteranceId: string };

/** A stretch of back-to-back frames: it plays from `startAt` at 8 bytes per ms. */
interface Segment {
  startAt: number;
  endAt: number;
  bytes: number;
}

interface UtteranceRecord {
  pending: Uint8Array;
  sentBytes: number;
  segments: Segment[];
  ended: boolean;
  cut: boolean;
  markPending: boolean;
}

export function createOutboundAudio(options: OutboundAudioOptions): OutboundAudio {
  const clock = options.clock ?? nodePacingClock();
  const encodeMedia = mediaFrameEncoder(options.streamSid);
  const leadMs = options.leadMs ?? 300;
  /**
   * On a wake-up from a grid clock (PacerClock.gridMs) a frame may leave up to one tick ahead of
   * the lead, so it goes out on the tick before it is due rather than the tick after; the check
   * uses the tick's grid time, not the (slightly late, jittery) time the timer actually ran.
   * Audio that arrives sends only up to `leadMs`, so a burst never runs further ahead.
   */
  const gridMs = clock.gridMs ?? 0;
  const pumpOnWake = () => pump(leadMs + gridMs, gridMs);
  const queue: QueueItem[] = [];
  const records = new Map<string, UtteranceRecord>();
  let playheadEndAt = 0;
  let timer: unknown;
  let closed = false;

  function record(utteranceId: string): UtteranceRecord {
    let r = records.get(utteranceId);
    if (!r) {
      r = {
        pending: EMPTY,
        sentBytes: 0,
        segments: [],
        ended: false,
        cut: false,
        markPending: false,
      };
      records.set(utteranceId, r);
      pruneRecords();
    }
    return r;
  }

  function pruneRecords(): void {
    for (const [id, r] of records) {
      if (records.size <= MAX_RECORDS) return;
      if (r.ended && !r.markPending) records.delete(id);
    }
  }

  function sendFrame(item: Extract<QueueItem, { kind: 'audio' }>, now: number): void {
    const startAt = Math.max(now, playheadEndAt);
    playheadEndAt = startAt + FRAME_MS;
    options.send(item.json);
    const r = record(item.utteranceId);
    r.sentBytes += item.realBytes;
    const last = r.segments.at(-1);
    if (last && last.endAt === startAt) {
      last.bytes += item.realBytes;
      last.endAt = playheadEndAt;
    } else r.segments.push({ startAt, endAt: playheadEndAt, bytes: item.realBytes });
  }

  function pump(limitMs: number, gridStepMs = 0): void {
    timer = undefined;
    if (closed) return;
    const now = clock.now();
    const decideAt = gridStepMs > 0 ? Math.floor(now / gridStepMs) * gridStepMs : now;
    while (queue.length > 0) {
      const item = queue[0] as QueueItem;
      if (item.kind === 'mark') {
        queue.shift();
        options.send(buildMarkFrame(options.streamSid, item.utteranceId));
        continue;
      }
      if (Math.max(decideAt, playheadEndAt) + FRAME_MS - decideAt > limitMs) break;
      queue.shift();
      sendFrame(item, now);
    }
    if (queue.length > 0) {
      // Wake when playback has drained enough for one more frame to fit inside the lead.
      const waitMs = Math.max(1, playheadEndAt + FRAME_MS - leadMs - gridMs - now);
      timer = clock.setTimeout(pumpOnWake, waitMs);
    }
  }

  function schedule(): void {
    if (timer === undefined && !closed) pump(leadMs);
  }

  function pushFrame(utteranceId: string, bytes: Uint8Array): void {
    let frame = bytes;
    if (bytes.length < FRAME_BYTES) {
      // Twilio plays any length, but whole 160-byte frames keep playback timing exact.
      frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
      frame.set(bytes);
    }
    queue.push({ kind: 'audio', utteranceId, json: encodeMedia(frame), realBytes: bytes.length });
  }

  /** Cuts whole frames straight out of the chunk (no copies); only a partial tail is kept. */
  function enqueue(utteranceId: string, mulaw: Uint8Array): void {
    const r = record(utteranceId);
    if (r.ended || r.cut || closed) return;
    let offset = 0;
    if (r.pending.length > 0) {
      offset = Math.min(FRAME_BYTES - r.pending.length, mulaw.length);
      const joined = new Uint8Array(r.pending.length + offset);
      joined.set(r.pending);
      joined.set(mulaw.subarray(0, offset), r.pending.length);
      r.pending = joined;
      if (joined.length < FRAME_BYTES) return;
      pushFrame(utteranceId, joined);
      r.pending = EMPTY;
    }
    for (; offset + FRAME_BYTES <= mulaw.length; offset += FRAME_BYTES) {
      pushFrame(utteranceId, mulaw.subarray(offset, offset + FRAME_BYTES));
    }
    if (offset < mulaw.length) r.pending = mulaw.slice(offset);
    schedule();
  }

  function endUtterance(utteranceId: string): void {
    const r = record(utteranceId);
    if (r.ended || r.cut || closed) return;
    if (r.pending.length > 0) pushFrame(utteranceId, r.pending);
    r.pending = EMPTY;
    r.ended = true;
    r.markPending = true;
    queue.push({ kind: 'mark', utteranceId });
    schedule();
  }

  function playedBytes(r: UtteranceRecord, now: number): number {
    let played = 0;
    for (const s of r.segments) {
      const elapsed = Math.max(0, now - s.startAt);
      played += Math.min(s.bytes, Math.floor((elapsed / FRAME_MS) * FRAME_BYTES));
    }
    return played;
  }

  function clear(): CutUtterance[] {
    const now = clock.now();
    const dropped = new Map<string, number>();
    for (const item of queue) {
      if (item.kind === 'audio')
        dropped.set(item.utteranceId, (dropped.get(item.utteranceId) ?? 0) + item.realBytes);
    }
    queue.length = 0;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    const cut: CutUtterance[] = [];
    for (const [utteranceId, r] of records) {
      const unsent = (dropped.get(utteranceId) ?? 0) + r.pending.length;
      const unconfirmed = r.markPending || (!r.ended && r.sentBytes > 0);
      if (r.cut || (unsent === 0 && !unconfirmed)) continue;
      r.cut = true;
      r.markPending = false;
      r.pending = EMPTY;
      cut.push({
        utteranceId,
        sentBytes: r.sentBytes,
        playedBytesEstimate: playedBytes(r, now),
        droppedBytes: unsent,
      });
    }
    playheadEndAt = now;
    if (!closed) options.send(buildClearFrame(options.streamSid));
    return cut;
  }

  function markPlayed(name: string): { utteranceId: string; fullyHeard: boolean } | undefined {
    const r = records.get(name);
    if (!r) return undefined;
    // After a clear Twilio echoes pending marks at once; they say nothing about what was heard.
    if (r.cut) return { utteranceId: name, fullyHeard: false };
    r.markPending = false;
    return { utteranceId: name, fullyHeard: true };
  }

  return {
    enqueue,
    endUtterance,
    clear,
    markPlayed,
    bytesPlayedEstimate: (id) => {
      const r = records.get(id);
      return r ? playedBytes(r, clock.now()) : 0;
    },
    bytesSent: (id) => records.get(id)?.sentBytes ?? 0,
    get busy() {
      if (queue.length > 0) return true;
      for (const r of records.values()) if (r.markPending || (!r.ended && !r.cut)) return true;
      return false;
    },
    close: () => {
      closed = true;
      queue.length = 0;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
