/**
 * Test harness for the Media Streams socket: the REAL route (buildRealtime + mediaSocket) on a
 * loopback port, a recording fake CallSession behind `createCall`, and a small `ws` client that
 * speaks Twilio's side of the protocol. The socket is under test here, not the session.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { createLogger } from '../../../src/logger.ts';
import { createHealthChecker } from '../../../src/platform/health.ts';
import { buildRealtime } from '../../../src/realtime/app.ts';
import type { StreamTokens } from '../../../src/realtime/media/stream-token.ts';
import type { MediaCall, MediaSocketDeps, StartedStream } from '../../../src/realtime/media-socket.ts';
import type { CallSession, SessionState } from '../../../src/realtime/session/types.ts';

export const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
export const TOKEN_SECRET = 'media-socket-test-secret-0123456789';

// ---------- recording fakes ----------

export type SessionEvent =
  | { type: 'start'; at: number }
  | { type: 'audio'; at: number; bytes: Uint8Array }
  | { type: 'mark'; at: number; name: string }
  | { type: 'dtmf'; at: number; digit: string }
  | { type: 'stop'; at: number; reason: string }
  | { type: 'release'; at: number };

export interface RecordedCall {
  stream: StartedStream;
  events: SessionEvent[];
  audio(): Uint8Array[];
  count(type: SessionEvent['type']): number;
}

export interface CallRecorder {
  calls: RecordedCall[];
  byCallSid(callSid: string): RecordedCall | undefined;
  createCall(stream: StartedStream): Promise<MediaCall>;
}

/** `createCall` that hands out a fake session recording every call the socket makes on it. */
export function createCallRecorder(): CallRecorder {
  const calls: RecordedCall[] = [];
  return {
    calls,
    byCallSid: (callSid) => calls.find((c) => c.stream.callSid === callSid),
    async createCall(stream) {
      const events: SessionEvent[] = [];
      const record: RecordedCall = {
        stream,
        events,
        audio: () => events.flatMap((e) => (e.type === 'audio' ? [e.bytes] : [])),
        count: (type) => events.filter((e) => e.type === type).length,
      };
      calls.push(record);
      let state: SessionState = 'connecting';
      const session: CallSession = {
        async start() {
          events.push({ type: 'start', at: Date.now() });
          state = 'listening';
        },
        onAudio(mulaw) {
          // Copy: the socket may hand us a view over a pooled buffer.
          events.push({ type: 'audio', at: Date.now(), bytes: Uint8Array.from(mulaw) });
        },
        onMark(name) {
          events.push({ type: 'mark', at: Date.now(), name });
        },
        onDtmf(digit) {
          events.push({ type: 'dtmf', at: Date.now(), digit });
        },
        async stop(reason) {
          events.push({ type: 'stop', at: Date.now(), reason });
          state = 'ended';
        },
        get state() {
          return state;
        },
        stats: { turns: 0, bargeIns: 0 },
      };
      return {
        session,
        async release() {
          events.push({ type: 'release', at: Date.now() });
        },
      };
    },
  };
}

export interface SignalRecord {
  workflowId: string;
  name: string;
  args: unknown[];
  at: number;
}

/**
 * Wraps a Temporal client so every workflow signal the socket sends is recorded. Without a real
 * client, signals fail harmlessly (the socket logs and carries on). `delaySignal` holds a signal
 * back to open race windows.
 */
export function recordingClient(options: { real?: Client; delaySignal?: (name: string) => number }): {
  client: Client;
  signals: SignalRecord[];
} {
  const signals: SignalRecord[] = [];
  const client = {
    workflow: {
      getHandle(workflowId: string) {
        return {
          async signal(def: { name: string } | string, ...args: unknown[]) {
            const name = typeof def === 'string' ? def : def.name;
            signals.push({ workflowId, name, args, at: Date.now() });
            const delay = options.delaySignal?.(name) ?? 0;
            if (delay > 0) await new Promise((r) => setTimeout(r, delay));
            if (!options.real) throw new Error('no Temporal in this test');
            // biome-ignore lint/suspicious/noExplicitAny: forwarding an untyped signal call.
            await options.real.workflow.getHandle(workflowId).signal(def as any, ...(args as []));
          },
        };
      },
    },
  } as unknown as Client;
  return { client, signals };
}

// ---------- the server ----------

export interface MediaServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startMediaServer(options: {
  tokens: StreamTokens;
  client: Client;
  createCall: MediaSocketDeps['createCall'];
  idleTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}): Promise<MediaServer> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const health = createHealthChecker({});
  const app = await buildRealtime({
    logger,
    health,
    readiness: health,
    media: {
      tokens: options.tokens,
      client: options.client,
      logger,
      createCall: options.createCall,
      nodeId: 'media-socket-test',
      idleTimeoutMs: options.idleTimeoutMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return {
    app,
    url: `ws://127.0.0.1:${address.port}/twilio/media`,
    close: () => app.close(),
  };
}

// ---------- Twilio's side of the protocol ----------

let sidCounter = 0;
export function newSid(prefix: 'CA' | 'MZ'): string {
  sidCounter += 1;
  const tail = `${Date.now().toString(16)}${process.pid.toString(16)}${sidCounter.toString(16)}`;
  return `${prefix}${tail.padStart(32, '0').slice(-32)}`;
}

export const frames = {
  connected: () => JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }),
  start(o: { callSid: string; streamSid: string; token?: string; seq?: number }) {
    return JSON.stringify({
      event: 'start',
      sequenceNumber: String(o.seq ?? 1),
      streamSid: o.streamSid,
      start: {
        streamSid: o.streamSid,
        accountSid: ACCOUNT_SID,
        callSid: o.callSid,
        tracks: ['inbound'],
        customParameters: o.token === undefined ? {} : { token: o.token },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
  },
  media(o: { streamSid: string; seq: number; payload: string; track?: string }) {
    return JSON.stringify({
      event: 'media',
      sequenceNumber: String(o.seq),
      streamSid: o.streamSid,
      media: {
        track: o.track ?? 'inbound',
        chunk: String(o.seq),
        timestamp: String(o.seq * 20),
        payload: o.payload,
      },
    });
  },
  mark: (o: { streamSid: string; seq: number; name: string }) =>
    JSON.stringify({ event: 'mark', sequenceNumber: String(o.seq), streamSid: o.streamSid, mark: o }),
  dtmf: (o: { streamSid: string; seq: number; digit: string }) =>
    JSON.stringify({
      event: 'dtmf',
      sequenceNumber: String(o.seq),
      streamSid: o.streamSid,
      dtmf: { track: 'inbound_track', digit: o.digit },
    }),
  stop: (o: { streamSid: string; callSid: string; seq: number }) =>
    JSON.stringify({
      event: 'stop',
      sequenceNumber: String(o.seq),
      streamSid: o.streamSid,
      stop: { accountSid: ACCOUNT_SID, callSid: o.callSid },
    }),
};

/** 20 ms of mu-law (160 bytes) filled with one value, base64. */
export function audioChunk(fill: number, length = 160): { bytes: Uint8Array; payload: string } {
  const bytes = new Uint8Array(length).fill(fill & 0xff);
  return { bytes, payload: Buffer.from(bytes).toString('base64') };
}

export interface TestSocket {
  ws: WebSocket;
  /** Resolves with the close code and reason the client saw. */
  closed: Promise<{ code: number; reason: string; at: number }>;
  isOpen(): boolean;
  /** Sends one frame and waits until it is written; false when the socket is no longer open. */
  send(data: string | Uint8Array, options?: { binary?: boolean }): Promise<boolean>;
  close(): void;
}

export async function openSocket(url: string): Promise<TestSocket> {
  const ws = new WebSocket(url);
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() }));
  });
  // Client-side errors (e.g. writing after the server hung up) are expected here.
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('close', () => reject(new Error('closed before open')));
  });
  return {
    ws,
    closed,
    isOpen: () => ws.readyState === WebSocket.OPEN,
    send(data, options = {}) {
      if (ws.readyState !== WebSocket.OPEN) return Promise.resolve(false);
      const binary = options.binary ?? typeof data !== 'string';
      return new Promise((resolve) => ws.send(data, { binary }, (err) => resolve(!err)));
    },
    close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
    },
  };
}

/** Resolves with `promise`, or rejects after `ms` naming `what`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Waits until the call for `callSid` recorded at least one `type` event, and returns it. */
export async function callAfter(
  recorder: CallRecorder,
  callSid: string,
  type: SessionEvent['type'],
  timeoutMs = 15_000,
): Promise<RecordedCall> {
  await until(() => recorder.byCallSid(callSid)?.count(type), `${type} on call ${callSid}`, timeoutMs);
  return recorder.byCallSid(callSid) as RecordedCall;
}
