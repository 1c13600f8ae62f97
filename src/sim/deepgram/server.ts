import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../logger.ts';
import { sendJsonError } from './http-util.ts';
import { createListenEndpoint } from './listen-upgrade.ts';
import { type ScriptMatcher, ScriptRegistry } from './script.ts';
import { handleSpeak, type SpeakConfig } from './speak.ts';
import { emptyStats, type SimDeepgramFaults, type SimDeepgramStats } from './types.ts';

export type { ScriptMatcher, SimListenRequest } from './script.ts';
export type { SimDeepgramFaults, SimDeepgramStats } from './types.ts';

export interface SimDeepgramOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  logger?: Logger;
  /** When set, only this key (Token or Bearer) is accepted; otherwise any non-empty one is. */
  apiKey?: string;
  /** The default script: one text per utterance, consumed across connections in order. */
  transcripts?: string[];
  /** What an utterance "says" once its script ran out. */
  fallbackText?: string;
  /** Deepgram closes a stream after 10 s with neither audio nor KeepAlive; tests shorten it. */
  idleTimeoutMs?: number;
  /** Speech audio between interim Results. */
  interimIntervalMs?: number;
  /** Speaking rate assumed for scripted text, matching `speechLike` (65 ms per character). */
  msPerChar?: number;
  speakChunkBytes?: number;
  speakChunkIntervalMs?: number;
  faults?: SimDeepgramFaults;
}

export interface SimDeepgram {
  /** http://host:port; the WebSocket side is the same origin with ws://. */
  readonly baseUrl: string;
  readonly stats: SimDeepgramStats;
  /** Replaces the active faults; affects connections and requests made from now on. */
  setFaults(faults: SimDeepgramFaults): void;
  /** Appends texts to the default script. */
  enqueue(...texts: string[]): void;
  /** Gives connections the matcher claims their own script (checked in registration order). */
  scriptFor(match: ScriptMatcher, texts: string[]): void;
  close(): Promise<void>;
}

const DEFAULT_IDLE_TIMEOUT_MS = 10_000;

/**
 * A simulated Deepgram (live STT at GET /v1/listen, Aura REST at POST /v1/speak) on loopback.
 * It is a stand-in for tests and local runs only: it logs as simulated and marks its responses
 * with `dg-simulated: true`.
 */
export async function startSimDeepgram(options: SimDeepgramOptions = {}): Promise<SimDeepgram> {
  const logger = (options.logger ?? createLogger('silent')).child({
    component: 'sim-deepgram',
    simulated: true,
  });
  const stats = emptyStats();
  let faults: SimDeepgramFaults = { ...options.faults };
  const scripts = new ScriptRegistry(
    options.transcripts ?? [],
    options.fallbackText ?? '[unscripted speech]',
  );
  const msPerChar = options.msPerChar ?? 65;
  const listen = createListenEndpoint({
    apiKey: options.apiKey,
    logger,
    stats,
    faults: () => faults,
    scripts,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    interimIntervalMs: options.interimIntervalMs ?? 300,
    msPerChar,
  });
  const speak: SpeakConfig = {
    apiKey: options.apiKey,
    logger,
    stats,
    faults: () => faults,
    chunkBytes: options.speakChunkBytes ?? 1600,
    chunkIntervalMs: options.speakChunkIntervalMs ?? 0,
    msPerChar,
  };
  const server = createServer((req, res) => routeHttp(req, res, speak));
  server.on('upgrade', listen.onUpgrade);
  const baseUrl = await listenOn(server, options.host ?? '127.0.0.1', options.port ?? 0);
  logger.info({ baseUrl }, 'sim deepgram: listening (SIMULATED Deepgram, not the real service)');

  return {
    baseUrl,
    stats,
    setFaults(next) {
      faults = { ...next };
    },
    enqueue(...texts) {
      scripts.enqueue(texts);
    },
    scriptFor(match, texts) {
      scripts.scriptFor(match, texts);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await listen.close();
      await closed;
    },
  };
}

function routeHttp(req: IncomingMessage, res: ServerResponse, speak: SpeakConfig): void {
  const requestId = randomUUID();
  const url = new URL(req.url ?? '/', 'http://sim');
  if (req.method !== 'POST' || url.pathname !== '/v1/speak') {
    sendJsonError(res, 404, `no route ${req.method} ${url.pathname}`, requestId);
    return;
  }
  handleSpeak(req, res, url.searchParams, requestId, speak).catch((error: unknown) => {
    speak.logger.warn({ err: error }, 'sim deepgram: speak handler failed');
    if (!res.headersSent) sendJsonError(res, 500, 'simulator error', requestId);
    else res.destroy();
  });
}

async function listenOn(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shown}:${address.port}`;
}
