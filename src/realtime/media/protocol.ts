/**
 * Twilio Media Streams wire protocol (bidirectional <Connect><Stream>). Twilio is the WebSocket
 * client; every frame is JSON text, and `sequenceNumber`, `chunk` and `timestamp` are strings.
 * Parsing never throws: a bad frame becomes the WebSocket close code the socket should end with.
 */
import { isUtf8 } from 'node:buffer';
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

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const NUMERIC = /^\d{1,15}$/;
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Strict base64: Buffer.from(…, 'base64') silently skips junk, which would let garbage through
 * as audio. Canonical form is checked too: the bits a padded last group does not use must be
 * zero (what a decode/encode round trip would test, without building a second string per frame).
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  if (!canonicalPadding(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function canonicalPadding(text: string): boolean {
  const n = text.length;
  if (n === 0 || text.charCodeAt(n - 1) !== 0x3d /* = */) return true;
  if (text.charCodeAt(n - 2) === 0x3d) return (BASE64_ALPHABET.indexOf(text.charAt(n - 3)) & 0x0f) === 0;
  return (BASE64_ALPHABET.indexOf(text.charAt(n - 2)) & 0x03) === 0;
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
  // isUtf8 is a native validator: the same verdict as a fatal TextDecoder, without its overhead.
  if (!isUtf8(data)) return fail(1007, 'invalid UTF-8');
  return data.toString('utf8');
}

const isSid = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 64;
const isNumeric = (v: unknown): v is string => typeof v === 'string' && NUMERIC.test(v);

/**
 * The fast path for the one frame that arrives 50 times a second per call: the same checks the
 * zod schema makes for `media`, done by hand. Anything it does not accept goes through the schema,
 * so a malformed media frame is refused with exactly the error the schema gives.
 */
function asMediaFrame(json: unknown): MediaFrame | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const f = json as Record<string, unknown>;
  if (f.event !== 'media' || !isNumeric(f.sequenceNumber) || !isSid(f.streamSid)) return undefined;
  const m = f.media;
  if (typeof m !== 'object' || m === null) return undefined;
  const { track, chunk, timestamp, payload } = m as Record<string, unknown>;
  if (typeof track !== 'string' || typeof payload !== 'string') return undefined;
  if (!isNumeric(chunk) || !isNumeric(timestamp)) return undefined;
  return json as MediaFrame;
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
  const media = asMediaFrame(json);
  if (media) return withAudio(media);
  const parsed = inboundFrameSchema.safeParse(json);
  if (!parsed.success) {
    const event = (json as { event?: unknown } | null)?.event;
    return fail(1007, typeof event === 'string' ? `bad ${event.slice(0, 32)} frame` : 'unknown event');
  }
  const frame = parsed.data;
  return frame.event === 'media' ? withAudio(frame) : { ok: true, frame };
}

function withAudio(frame: MediaFrame): ParseResult {
  const audio = decodeBase64Strict(frame.media.payload);
  if (!audio) return fail(1007, 'invalid base64 payload');
  return { ok: true, frame, audio };
}

// ---- Server → Twilio ----

export function buildMediaFrame(streamSid: string, mulaw: Uint8Array): string {
  return mediaFrameEncoder(streamSid)(mulaw);
}

/**
 * A call's outbound media frames differ only in their payload: the JSON around it is built once
 * per stream, so each 20 ms frame costs one base64 encode and one string concatenation.
 */
export function mediaFrameEncoder(streamSid: string): (mulaw: Uint8Array) => string {
  const head = `{"event":"media","streamSid":${JSON.stringify(streamSid)},"media":{"payload":"`;
  return (mulaw) =>
    `${head}${Buffer.from(mulaw.buffer, mulaw.byteOffset, mulaw.byteLength).toString('base64')}"}}`;
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
