/**
 * A SIMULATED ElevenLabs text-to-speech server for tests and offline runs; it is not ElevenLabs.
 * Serves the HTTP streaming endpoint the official SDK calls
 * (`POST /v1/text-to-speech/{voice_id}/stream?output_format=ulaw_8000`) with `speechLike(text)`
 * as raw 8 kHz mu-law, with configurable latency and injected failures.
 */
import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../../logger.ts';
import { trackArrivals } from '../arrival.ts';
import { type SpeechLikeOptions, speechLike } from '../audio.ts';

/** How one request misbehaves (all optional; an empty object is a healthy reply). */
export interface ElevenLabsSimBehavior {
  /** Fail before any audio with this HTTP status (and `body`, or an ElevenLabs-style detail). */
  status?: number;
  body?: unknown;
  firstByteDelayMs?: number;
  interChunkDelayMs?: number;
  /** Send this many bytes, then go silent with the connection open. */
  stallAfterBytes?: number;
  /** Send this many bytes, then reset the connection. */
  closeAfterBytes?: number;
}

export interface RecordedTtsRequest {
  index: number;
  voiceId: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  /** The client's TCP port: the same port on two requests means a kept-alive connection. */
  remotePort: number | undefined;
  text: string;
  bytesSent: number;
  completed: boolean;
  /** The client closed the connection before all audio was sent (abort, failover). */
  clientClosedEarly: boolean;
  /**
   * The first-byte delay as actually injected (performance.now: from the start of the wait to the
   * first audio written), so a benchmark subtracts what was waited rather than what was asked.
   */
  firstByteDelayActualMs?: number;
  /** From the request's arrival to its first audio written: all of the simulated vendor's time. */
  firstByteAfterArrivalMs?: number;
  /** performance.now() when the request's headers arrived. */
  arrivedAt: number;
}

export interface ElevenLabsSimOptions {
  apiKey?: string;
  firstByteDelayMs?: number;
  interChunkDelayMs?: number;
  /** Bytes per write; 640 is 80 ms of audio. */
  chunkBytes?: number;
  /** A queue (one entry per request; healthy once empty) or a function of the request. */
  behavior?: ElevenLabsSimBehavior[] | ((request: RecordedTtsRequest) => ElevenLabsSimBehavior | undefined);
  /** Tone options, e.g. a distinct frequency per simulated voice. */
  speech?: SpeechLikeOptions;
  port?: number;
  logger?: Logger;
}

export interface ElevenLabsSim {
  /** Base URL for `new ElevenLabsClient({ baseUrl })`. */
  readonly url: string;
  readonly apiKey: string;
  readonly requests: RecordedTtsRequest[];
  /** Every request received, rejected ones included. */
  readonly requestCount: number;
  enqueue(...behaviors: ElevenLabsSimBehavior[]): void;
  close(): Promise<void>;
}

interface SimContext {
  options: ElevenLabsSimOptions;
  apiKey: string;
  queue: ElevenLabsSimBehavior[];
  requests: RecordedTtsRequest[];
}

export async function startElevenLabsSim(options: ElevenLabsSimOptions = {}): Promise<ElevenLabsSim> {
  const context: SimContext = {
    options,
    apiKey: options.apiKey ?? 'sim-elevenlabs-key',
    queue: Array.isArray(options.behavior) ? [...options.behavior] : [],
    requests: [],
  };
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const arrivalOf = trackArrivals(app);
  app.post('/v1/text-to-speech/:voiceId/stream', (request, reply) =>
    handleStream(context, request, reply, arrivalOf(request)),
  );
  const url = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  return {
    url,
    apiKey: context.apiKey,
    requests: context.requests,
    get requestCount() {
      return context.requests.length;
    },
    enqueue: (...behaviors) => context.queue.push(...behaviors),
    close: () => app.close(),
  };
}

async function handleStream(
  context: SimContext,
  request: FastifyRequest,
  reply: FastifyReply,
  arrivedAt: number,
): Promise<void> {
  const record = recordRequest(context.requests, request, arrivedAt);
  const rejection = validate(context, request, record);
  if (rejection) {
    await reply.code(rejection.status).header('x-simulated', 'true').send(rejection.body);
    return;
  }
  const { options } = context;
  const behavior =
    (typeof options.behavior === 'function' ? options.behavior(record) : context.queue.shift()) ?? {};
  options.logger?.debug(
    { index: record.index, voiceId: record.voiceId, behavior },
    'simulated elevenlabs request',
  );
  if (behavior.status !== undefined) {
    const body = behavior.body ?? { detail: { status: 'simulated_failure', message: 'Simulated failure.' } };
    await reply.code(behavior.status).header('x-simulated', 'true').send(body);
    return;
  }
  reply.hijack();
  await streamAudio(reply.raw, record, speechLike(record.text, options.speech), {
    firstByteDelayMs: behavior.firstByteDelayMs ?? options.firstByteDelayMs ?? 0,
    interChunkDelayMs: behavior.interChunkDelayMs ?? options.interChunkDelayMs ?? 0,
    chunkBytes: options.chunkBytes ?? 640,
    stallAfterBytes: behavior.stallAfterBytes,
    closeAfterBytes: behavior.closeAfterBytes,
  });
}

function recordRequest(
  requests: RecordedTtsRequest[],
  request: FastifyRequest,
  arrivedAt: number,
): RecordedTtsRequest {
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
    string,
    unknown
  >;
  const record: RecordedTtsRequest = {
    index: requests.length,
    voiceId: (request.params as { voiceId: string }).voiceId,
    query: { ...(request.query as Record<string, string>) },
    headers: { ...request.headers },
    body,
    remotePort: request.socket.remotePort,
    text: typeof body.text === 'string' ? body.text : '',
    bytesSent: 0,
    completed: false,
    clientClosedEarly: false,
    arrivedAt,
  };
  requests.push(record);
  return record;
}

/** The checks the real API makes that an adapter can get wrong: key, format, text. */
function validate(
  context: SimContext,
  request: FastifyRequest,
  record: RecordedTtsRequest,
): { status: number; body: unknown } | undefined {
  const key = request.headers['xi-api-key'];
  if (key === undefined) {
    const message = 'Neither authorization header nor xi-api-key received, please provide one.';
    return { status: 401, body: { detail: { status: 'needs_authorization', message } } };
  }
  if (key !== context.apiKey) {
    return { status: 401, body: { detail: { status: 'invalid_api_key', message: 'Invalid API key' } } };
  }
  if (record.query.output_format !== 'ulaw_8000') {
    const message = `simulated server only produces ulaw_8000, not ${record.query.output_format ?? 'the mp3 default'}`;
    return { status: 422, body: { detail: { status: 'invalid_output_format', message } } };
  }
  if (record.text.trim() === '') {
    return { status: 400, body: { detail: { status: 'invalid_text', message: 'Text must not be empty.' } } };
  }
  return undefined;
}

interface StreamPlan {
  firstByteDelayMs: number;
  interChunkDelayMs: number;
  chunkBytes: number;
  stallAfterBytes: number | undefined;
  closeAfterBytes: number | undefined;
}

async function streamAudio(
  res: ServerResponse,
  record: RecordedTtsRequest,
  audio: Uint8Array,
  plan: StreamPlan,
) {
  const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
  res.on('close', () => {
    if (!res.writableFinished) record.clientClosedEarly = true;
  });
  res.writeHead(200, { 'content-type': 'audio/basic', 'x-simulated': 'true' });
  res.flushHeaders();
  const limit = Math.min(audio.length, plan.stallAfterBytes ?? plan.closeAfterBytes ?? audio.length);
  const waitedFrom = performance.now();
  await sleep(plan.firstByteDelayMs, closed);
  while (record.bytesSent < limit && !res.destroyed) {
    const end = Math.min(limit, record.bytesSent + plan.chunkBytes);
    res.write(audio.subarray(record.bytesSent, end));
    if (record.bytesSent === 0) {
      record.firstByteDelayActualMs = performance.now() - waitedFrom;
      record.firstByteAfterArrivalMs = performance.now() - record.arrivedAt;
    }
    record.bytesSent = end;
    if (record.bytesSent < limit) await sleep(plan.interChunkDelayMs, closed);
  }
  // destroySoon: what was written still arrives, then the connection drops mid-body.
  if (plan.closeAfterBytes !== undefined) res.socket?.destroySoon();
  else if (plan.stallAfterBytes === undefined && !res.destroyed) {
    res.end();
    record.completed = true;
  }
}

function sleep(ms: number, until: Promise<void>): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void until.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
