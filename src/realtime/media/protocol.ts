/**
 * Twilio Media Streams wire protocol (bidirectional <Connect><Stream>). Twilio is the WebSocket
 * client; every frame is JSON text, and `sequenceNumber`, `chunk` and `timestamp` are strings.
 * Parsing never throws: a bad frame becomes the WebSocket close code the socket should end with.
 */
import { z } from 'zod';

/** Twilio's largest frame is `start` with its custom parameters; media frames are ~300 bytes. */
export const MAX_INBOUND_FRAME_BYTES = 64 * 1024;

const numericString = z.string().regex(/^\d{1,15}$/);
const sid = z.string().min(1).max(64);

const connectedFrame = z.object({
  event: z.literal('connected'),
  protocol: z.string(),
  version: z.string(),
});

const startFrame = z.object({
  event: z.literal('start'),
  sequenceNumber: numericString,
  streamSid: sid,
  start: z.object({
    streamSid: sid,
    accountSid: sid,
    callSid: sid,
    tracks: z.array(z.string()),
    customParameters: z.record(z.string(), z.string()).default({}),
    mediaFormat: z.object({
      encoding: z.string(),
      sampleRate: z.number(),
      channels: z.number(),
    }),
  }),
});

const mediaFrame = z.object({
  event: z.literal('media'),
  sequenceNumber: numericString,
  streamSid: sid,
  media: z.object({
    track: z.string(),
    chunk: numericString,
    timestamp: numericString,
    payload: z.string(),
  }),
});

const markFrame = z.object({
  event: z.literal('mark'),
  sequenceNumber: numericString,
  streamSid: sid,
  mark: z.object({ name: z.string() }),
});

const dtmfFrame = z.object({
  event: z.literal('dtmf'),
  sequenceNumber: numericString,
  streamSid: sid,
  dtmf: z.object({ track: z.string(), digit: z.string().regex(/^[0-9*#A-Da-d]$/) }),
});

const stopFrame = z.object({
  event: z.literal('stop'),
  sequenceNumber: numericString,
  streamSid: sid,
  stop: z.object({ accountSid: sid, callSid: sid }),
});

export const inboundFrameSchema = z.discriminatedUnion('event', [
  connectedFrame,
  startFrame,
  mediaFrame,
  markFrame,
  dtmfFrame,
  stopFrame,
]);

export type InboundFrame = z.infer<typeof inboundFrameSchema>;
export type ConnectedFrame = z.infer<typeof connectedFrame>;
export type StartFrame = z.infer<typeof startFrame>;
export type MediaFrame = z.infer<typeof mediaFrame>;
export type MarkFrame = z.infer<typeof markFrame>;
export type DtmfFrame = z.infer<typeof dtmfFrame>;
export type StopFrame = z.infer<typeof stopFrame>;

/** 1003 unsupported data, 1007 invalid payload, 1008 policy violation, 1009 too big. */
export type CloseCode = 1003 | 1007 | 1008 | 1009;

export type ParseResult =
  | { ok: true; frame: InboundFrame /** Decoded mu-law, for `media` frames only. */; audio?: Uint8Array }
  | { ok: false; closeCode: CloseCode; reason: string };

export interface ParseOptions {
  maxFrameBytes?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Strict base64: Buffer.from(…, 'base64') silently skips junk, which would let garbage through
 * as audio. The round trip also rejects non-canonical padding bits.
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function fail(closeCode: CloseCode, reason: string): ParseResult {
  return { ok: false, closeCode, reason };
}

function decodeText(data: string | Buffer, maxBytes: number): string | ParseResult {
  if (typeof data === 'string') {
    if (Buffer.byteLength(data, 'utf8') > maxBytes) return fail(1009, 'frame too large');
    return data;
  }
  if (data.byteLength > maxBytes) return fail(1009, 'frame too large');
  try {
    return utf8.decode(data);
  } catch {
    return fail(1007, 'invalid UTF-8');
  }
}

/** Parses one Twilio → server frame; never throws. */
export function parseInboundFrame(
  data: string | Buffer,
  isBinary: boolean,
  options: ParseOptions = {},
): ParseResult {
  if (isBinary) return fail(1003, 'binary frames are not part of the protocol');
  const text = decodeText(data, options.maxFrameBytes ?? MAX_INBOUND_FRAME_BYTES);
  if (typeof text !== 'string') return text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(1007, 'invalid JSON');
  }
  const parsed = inboundFrameSchema.safeParse(json);
  if (!parsed.success) {
    const event = (json as { event?: unknown } | null)?.event;
    return fail(1007, typeof event === 'string' ? `bad ${event.slice(0, 32)} frame` : 'unknown event');
  }
  const frame = parsed.data;
  if (frame.event !== 'media') return { ok: true, frame };
  const audio = decodeBase64Strict(frame.media.payload);
  if (!audio) return fail(1007, 'invalid base64 payload');
  return { ok: true, frame, audio };
}

// ---- Server → Twilio ----

export function buildMediaFrame(streamSid: string, mulaw: Uint8Array): string {
  const payload = Buffer.from(mulaw.buffer, mulaw.byteOffset, mulaw.byteLength).toString('base64');
  return JSON.stringify({ event: 'media', streamSid, media: { payload } });
}

export function buildMarkFrame(streamSid: string, name: string): string {
  return JSON.stringify({ event: 'mark', streamSid, mark: { name } });
}

export function buildClearFrame(streamSid: string): string {
  return JSON.stringify({ event: 'clear', streamSid });
}

// ---- Per-connection ordering ----

export type GuardResult = { ok: true } | { ok: false; closeCode: 1008; reason: string };

export interface InboundGuard {
  /** Checks one parsed frame against the order Twilio guarantees; call for every frame. */
  accept(frame: InboundFrame): GuardResult;
  readonly phase: 'awaiting-connected' | 'awaiting-start' | 'streaming' | 'stopped';
  /** The stream's SID once `start` arrived. */
  readonly streamSid: string | undefined;
}

/**
 * Enforces `connected`, then exactly one `start`, then media/mark/dtmf until `stop`, and nothing
 * after. Frames naming another stream are rejected too: one socket carries one stream.
 */
export function createInboundGuard(): InboundGuard {
  let phase: InboundGuard['phase'] = 'awaiting-connected';
  let streamSid: string | undefined;
  const violation = (reason: string): GuardResult => ({ ok: false, closeCode: 1008, reason });

  function accept(frame: InboundFrame): GuardResult {
    if (phase === 'stopped') return violation(`${frame.event} after stop`);
    if (frame.event === 'connected') {
      if (phase !== 'awaiting-connected') return violation('connected sent twice');
      phase = 'awaiting-start';
      return { ok: true };
    }
    if (phase === 'awaiting-connected') return violation(`${frame.event} before connected`);
    if (frame.event === 'start') {
      if (phase !== 'awaiting-start') return violation('start sent twice');
      if (frame.start.streamSid !== frame.streamSid) return violation('start names two streams');
      streamSid = frame.streamSid;
      phase = 'streaming';
      return { ok: true };
    }
    if (phase === 'awaiting-start') return violation(`${frame.event} before start`);
    if (frame.streamSid !== streamSid) return violation('frame for another stream');
    if (frame.event === 'stop') phase = 'stopped';
    return { ok: true };
  }

  return {
    accept,
    get phase() {
      return phase;
    },
    get streamSid() {
      return streamSid;
    },
  };
}
