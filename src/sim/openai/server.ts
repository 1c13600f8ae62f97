/**
 * A SIMULATED OpenAI-compatible server for tests and offline runs; it is not OpenAI. Chat
 * Completions (streamed as SSE or not) and the model list, on loopback, replying from a script,
 * with configurable latency and injected failures. Every request is recorded for assertions.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../../logger.ts';
import { trackArrivals } from '../arrival.ts';
import {
  completion,
  errorBody,
  type ResolvedToolCall,
  type SimToolCall,
  streamChunks,
  type Usage,
} from './chunks.ts';
import { exampleFromSchema, type JsonSchemaFormat, jsonSchemaFormat } from './structured.ts';

export type { SimToolCall } from './chunks.ts';

export type OpenAiSimFailure =
  /** Answer with this HTTP status and OpenAI's error JSON instead of a completion. */
  | { status: number; message?: string; type?: string; code?: string | null }
  /** Stream this many chunks, then reset the connection. */
  | { dropAfterChunks: number }
  /** Stream this many chunks, then go silent with the connection open. */
  | { stallAfterChunks: number };

export interface OpenAiSimReply {
  text?: string;
  /** Sent as the message content, serialised: a structured-output answer. */
  json?: unknown;
  toolCalls?: SimToolCall[];
  /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: string;
  failure?: OpenAiSimFailure;
  firstTokenDelayMs?: number;
  interTokenDelayMs?: number;
}

/** The request body as received (OpenAI's snake_case wire format). */
export interface SimChatBody {
  model: string;
  messages: Array<Record<string, unknown>>;
  tools?: unknown[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

export interface RecordedChatRequest {
  index: number;
  headers: Record<string, string | string[] | undefined>;
  body: SimChatBody;
  receivedAtMs: number;
  /** The client's TCP port: the same port on two requests means a kept-alive connection. */
  remotePort: number | undefined;
  /** The whole reply (through `[DONE]`) was written. */
  completed: boolean;
  /** The client closed the connection before the reply was complete (abort, timeout). */
  clientClosedEarly: boolean;
  /** The text the reply carried (streamed or not), once chosen. */
  replyText?: string;
  /**
   * The first-token delay as actually injected (performance.now: from the start of the wait to the
   * first chunk written), so a benchmark subtracts what was waited rather than what was asked:
   * timer lateness in this simulator is not the client's overhead.
   */
  firstTokenDelayActualMs?: number;
  /** From the request's arrival to its first chunk written: all of the simulated vendor's time. */
  firstTokenAfterArrivalMs?: number;
  /** performance.now() when the request's headers arrived. */
  arrivedAt: number;
}

export type OpenAiSimScript =
  | OpenAiSimReply[]
  | ((request: RecordedChatRequest, index: number) => OpenAiSimReply | Promise<OpenAiSimReply>);

export interface OpenAiSimOptions {
  apiKey?: string;
  /** A queue (consumed one reply per request) or a function; default: a fixed short sentence. */
  script?: OpenAiSimScript;
  firstTokenDelayMs?: number;
  interTokenDelayMs?: number;
  models?: string[];
  port?: number;
  logger?: Logger;
}

export interface OpenAiSim {
  /** Base URL for the SDK, ending in `/v1`. */
  readonly url: string;
  readonly apiKey: string;
  readonly requests: RecordedChatRequest[];
  /** Appends replies to the queue script (only when the script is a queue or absent). */
  enqueue(...replies: OpenAiSimReply[]): void;
  close(): Promise<void>;
}

const DEFAULT_REPLY: OpenAiSimReply = { text: 'This is a simulated reply.' };

interface SimContext {
  options: OpenAiSimOptions;
  apiKey: string;
  /** Undefined when the script is a function. */
  queue: OpenAiSimReply[] | undefined;
  requests: RecordedChatRequest[];
}

export async function startOpenAiSim(options: OpenAiSimOptions = {}): Promise<OpenAiSim> {
  const context: SimContext = {
    options,
    apiKey: options.apiKey ?? 'sim-openai-key',
    queue: Array.isArray(options.script) ? [...options.script] : options.script ? undefined : [],
    requests: [],
  };
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const arrivalOf = trackArrivals(app);
  app.get('/v1/models', async (request, reply) => {
    if (!checkAuth(request, reply, context.apiKey)) return reply;
    return modelList(options.models);
  });
  app.post('/v1/chat/completions', (request, reply) =>
    handleChat(context, request, reply, arrivalOf(request)),
  );
  const address = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  return {
    url: `${address}/v1`,
    apiKey: context.apiKey,
    requests: context.requests,
    enqueue: (...replies) => {
      if (!context.queue) throw new Error('enqueue needs a queue script, not a function');
      context.queue.push(...replies);
    },
    close: () => app.close(),
  };
}

async function nextReply(
  context: SimContext,
  record: RecordedChatRequest,
  structured: boolean,
): Promise<OpenAiSimReply> {
  const { script } = context.options;
  if (typeof script === 'function') return script(record, record.index);
  // Unscripted structured requests get a schema-valid answer (see withStructuredAnswer).
  if (!script && context.queue?.length === 0) return structured ? {} : DEFAULT_REPLY;
  return (
    context.queue?.shift() ?? { failure: { status: 500, message: 'simulated server: script exhausted' } }
  );
}

async function handleChat(
  context: SimContext,
  request: FastifyRequest,
  reply: FastifyReply,
  arrivedAt: number,
): Promise<unknown> {
  const body = (request.body ?? {}) as SimChatBody;
  const record = recordRequest(context.requests, request, body, arrivedAt);
  if (!checkAuth(request, reply, context.apiKey)) return reply;
  if (typeof body.model !== 'string' || !Array.isArray(body.messages)) {
    return sendError(reply, 400, { message: "'model' and 'messages' are required properties" });
  }
  const format = jsonSchemaFormat(body.response_format);
  if (typeof format === 'string')
    return sendError(reply, 400, { message: format, type: 'invalid_request_error' });
  const scripted = withStructuredAnswer(await nextReply(context, record, format !== undefined), format);
  const { options } = context;
  options.logger?.debug({ index: record.index, stream: body.stream === true }, 'simulated openai request');
  if (scripted.failure && 'status' in scripted.failure) {
    return sendError(reply, scripted.failure.status, scripted.failure);
  }
  const timing = {
    firstTokenDelayMs: scripted.firstTokenDelayMs ?? options.firstTokenDelayMs ?? 0,
    interTokenDelayMs: scripted.interTokenDelayMs ?? options.interTokenDelayMs ?? 0,
  };
  if (body.stream !== true) {
    const waitedFrom = performance.now();
    await sleep(timing.firstTokenDelayMs);
    record.firstTokenDelayActualMs = performance.now() - waitedFrom;
    record.firstTokenAfterArrivalMs = performance.now() - record.arrivedAt;
    record.completed = true;
    const resolved = resolveReply(scripted, body);
    record.replyText = resolved.text;
    return completion(identity(body), resolved);
  }
  reply.hijack();
  await streamReply(reply.raw, record, scripted, timing);
  return undefined;
}

/**
 * A json_schema request whose script gives no content gets a minimal schema-valid answer;
 * scripted `json` is serialised; scripted `text` goes out as is (how tests send invalid JSON).
 */
function withStructuredAnswer(
  scripted: OpenAiSimReply,
  format: JsonSchemaFormat | undefined,
): OpenAiSimReply {
  if (scripted.failure || scripted.text !== undefined || scripted.toolCalls) return scripted;
  if (scripted.json !== undefined) return { ...scripted, text: JSON.stringify(scripted.json) };
  if (format) return { ...scripted, text: JSON.stringify(exampleFromSchema(format.schema)) };
  return scripted;
}

function modelList(models: string[] | undefined): Record<string, unknown> {
  return {
    object: 'list',
    data: (models ?? ['gpt-4o-mini', 'gpt-4.1-mini']).map((id) => ({
      id,
      object: 'model',
      created: 1_700_000_000,
      owned_by: 'switchboard-simulated',
    })),
  };
}

function checkAuth(request: FastifyRequest, reply: FastifyReply, apiKey: string): boolean {
  const header = request.headers.authorization;
  if (header === `Bearer ${apiKey}`) return true;
  const message = header
    ? 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.'
    : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
  sendError(reply, 401, { message, type: 'invalid_request_error', code: header ? 'invalid_api_key' : null });
  return false;
}

const DEFAULT_ERRORS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Invalid request.', type: 'invalid_request_error', code: null },
  429: { message: 'Rate limit reached (simulated).', type: 'requests', code: 'rate_limit_exceeded' },
  500: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    code: null,
  },
};

function sendError(
  reply: FastifyReply,
  status: number,
  detail: { message?: string; type?: string; code?: string | null },
): FastifyReply {
  const fallback = DEFAULT_ERRORS[status] ?? DEFAULT_ERRORS[status >= 500 ? 500 : 400];
  const body = errorBody(
    detail.message ?? fallback?.message ?? 'error',
    detail.type ?? fallback?.type ?? 'invalid_request_error',
    detail.code === undefined ? (fallback?.code ?? null) : detail.code,
  );
  return reply.code(status).header('x-simulated', 'true').send(body);
}

function recordRequest(
  requests: RecordedChatRequest[],
  request: FastifyRequest,
  body: SimChatBody,
  arrivedAt: number,
): RecordedChatRequest {
  const record: RecordedChatRequest = {
    index: requests.length,
    headers: { ...request.headers },
    body,
    receivedAtMs: Date.now(),
    arrivedAt,
    remotePort: request.socket.remotePort,
    completed: false,
    clientClosedEarly: false,
  };
  requests.push(record);
  return record;
}

function identity(body: SimChatBody): { id: string; created: number; model: string } {
  return {
    id: `chatcmpl-sim${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
  };
}

function resolveReply(scripted: OpenAiSimReply, body: SimChatBody) {
  const toolCalls: ResolvedToolCall[] = (scripted.toolCalls ?? []).map((call) => ({
    id: call.id ?? `call_${randomBytes(12).toString('base64url')}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }));
  const text = scripted.text ?? '';
  const completionTokens = Math.ceil(
    (text.length + toolCalls.reduce((n, c) => n + c.arguments.length, 0)) / 4,
  );
  const promptTokens = Math.ceil(JSON.stringify(body.messages).length / 4);
  const usage: Usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const finishReason = scripted.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
  return { text, toolCalls, finishReason, usage };
}

async function streamReply(
  res: ServerResponse,
  record: RecordedChatRequest,
  scripted: OpenAiSimReply,
  timing: { firstTokenDelayMs: number; interTokenDelayMs: number },
): Promise<void> {
  const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
  res.on('close', () => {
    if (!res.writableFinished) record.clientClosedEarly = true;
  });
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-simulated': 'true',
  });
  res.flushHeaders();
  const includeUsage = record.body.stream_options?.include_usage === true;
  const resolved = resolveReply(scripted, record.body);
  record.replyText = resolved.text;
  const chunks = streamChunks(identity(record.body), resolved, includeUsage);
  const failure = scripted.failure;
  for (const [i, payload] of chunks.entries()) {
    if (failure && 'dropAfterChunks' in failure && i === failure.dropAfterChunks) {
      // destroySoon: what was written still arrives, then the connection drops mid-body.
      res.socket?.destroySoon();
      return;
    }
    if (failure && 'stallAfterChunks' in failure && i === failure.stallAfterChunks) return;
    const waitedFrom = performance.now();
    await sleep(i === 0 ? timing.firstTokenDelayMs : timing.interTokenDelayMs, closed);
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(payload)}\n\n`);
    if (i === 0) {
      record.firstTokenDelayActualMs = performance.now() - waitedFrom;
      record.firstTokenAfterArrivalMs = performance.now() - record.arrivedAt;
    }
  }
  res.end('data: [DONE]\n\n');
  record.completed = true;
}

function sleep(ms: number, until?: Promise<void>): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void until?.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
