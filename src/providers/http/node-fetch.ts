/**
 * A `fetch` for the vendor SDKs on the live-call path (OpenAI, ElevenLabs), built on node:http(s)
 * with keep-alive agents. Both official SDKs take a `fetch` option; they build and parse requests
 * exactly as before, only the transport underneath changes.
 *
 * Why: Node's built-in fetch (undici's WHATWG implementation) spends about half a millisecond more
 * than node:http on every request from a quiet process (bench/http-transport.ts measures it), and
 * a phone turn makes two such requests (LLM, then TTS) while the caller waits in silence.
 *
 * What it does not do, on purpose: follow redirects (APIs answer, they do not redirect; a 3xx
 * comes back to the SDK as an error status) and send bodies it cannot hand to node:http directly
 * (FormData, Blob, streams): those requests go to the built-in fetch unchanged.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';

export interface NodeFetchOptions {
  /** How long an idle kept-alive connection is kept; servers' `Keep-Alive: timeout` hints win when shorter. */
  idleSocketMs?: number;
}

const DEFAULT_IDLE_SOCKET_MS = 30_000;
/** Responses that have no body by definition; a Response with a body and one of these throws. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

type FetchInput = Parameters<typeof fetch>[0];
type SimpleBody = string | Uint8Array | undefined;

export function createNodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  const agentOptions = { keepAlive: true, timeout: options.idleSocketMs ?? DEFAULT_IDLE_SOCKET_MS };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };
  const nodeFetch = async (input: FetchInput, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) return fetch(input, init);
    const url = new URL(String(input));
    const body = simpleBody(init.body);
    if (body === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) return fetch(input, init);
    init.signal?.throwIfAborted();
    const request: OutgoingRequest = {
      url,
      method: (init.method ?? 'GET').toUpperCase(),
      headers: headerRecord(init.headers, body),
      body,
      signal: init.signal ?? undefined,
      agent: agents[url.protocol],
    };
    return send(request, true);
  };
  return nodeFetch as typeof fetch;
}

interface OutgoingRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: SimpleBody;
  signal: AbortSignal | undefined;
  agent: http.Agent;
}

/** The bodies node:http takes as they are; null for any other kind. */
function simpleBody(body: RequestInit['body']): SimpleBody | null {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return null;
}

function headerRecord(init: RequestInit['headers'], body: SimpleBody): Record<string, string> {
  const headers: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    headers[name] = value;
  });
  // fetch's defaults for what the SDKs leave out: a typed string body, and a body we can decode.
  if (typeof body === 'string' && !('content-type' in headers))
    headers['content-type'] = 'text/plain;charset=UTF-8';
  if (!('accept-encoding' in headers)) headers['accept-encoding'] = 'gzip, deflate, br';
  return headers;
}

/**
 * One request. A kept-alive connection the server has just closed fails before any response; the
 * server never saw the request, so it is sent again once on a fresh connection (as Node's docs
 * advise) instead of failing the caller's turn.
 */
function send(request: OutgoingRequest, mayRetry: boolean): Promise<Response> {
  const { url, method, headers, body, signal, agent } = request;
  return new Promise<Response>((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    let res: http.IncomingMessage | undefined;
    // One listener for the request's whole life: before the answer it stops the request, after
    // it the body, whose reads then fail with the signal's reason, as with fetch.
    const onAbort = (): void => {
      if (res) res.destroy(signal?.reason);
      else outgoing.destroy(signal?.reason);
    };
    const stopListening = (): void => signal?.removeEventListener('abort', onAbort);
    const outgoing = transport.request(url, { method, headers, agent }, (answer) => {
      res = answer;
      answer.once('close', stopListening);
      resolve(toResponse(answer, method, url));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (res) return; // the body's stream reports it
      stopListening();
      if (signal?.aborted) return reject(signal.reason);
      if (mayRetry && outgoing.reusedSocket && isStaleSocketError(error)) {
        return resolve(send(request, false));
      }
      reject(new TypeError('fetch failed', { cause: error }));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.end(body);
  });
}

function isStaleSocketError(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.message === 'socket hang up';
}

function toResponse(res: http.IncomingMessage, method: string, url: URL): Response {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  const status = res.statusCode ?? 0;
  const hasBody = method !== 'HEAD' && !NULL_BODY_STATUSES.has(status);
  if (!hasBody) res.resume();
  const response = new Response(hasBody ? webBody(decoded(res)) : null, {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  });
  // The SDKs put the URL in their error messages; a constructed Response has none of its own.
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}

/** fetch decodes compressed bodies; so must this, since it asks for them. */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = res.headers['content-encoding']?.trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH })
      : encoding === 'deflate'
        ? zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH })
        : encoding === 'br'
          ? zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH })
          : undefined;
  if (!decoder) return res;
  res.on('error', (error) => decoder.destroy(error));
  // A cancelled or failed decoder must not leave the response holding the connection.
  decoder.once('close', () => res.destroy());
  return res.pipe(decoder);
}

/**
 * The body as a web stream fed straight from the response's `data` events. (Node's own
 * `Readable.toWeb` adapter measured about 0.3 ms slower to the first chunk per request.) Reading
 * is paused while the consumer is behind, so TCP backpressure holds the rest; cancelling the
 * stream (barge-in, failover) closes the connection.
 */
function webBody(source: Readable): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      source.on('data', (chunk: Buffer) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) source.pause();
      });
      source.once('end', () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      source.once('error', (error) => {
        if (settled) return;
        settled = true;
        controller.error(error);
      });
      // Destroyed without an error (the connection dropped mid-body): the body is incomplete.
      source.once('close', () => {
        if (settled) return;
        settled = true;
        controller.error(new TypeError('terminated: the connection closed before the body ended'));
      });
    },
    pull() {
      source.resume();
    },
    cancel(reason) {
      settled = true;
      source.destroy(reason instanceof Error ? reason : undefined);
    },
  });
}
