import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../logger.ts';
import { isAuthorized, rejectUpgrade, SIMULATED_HEADER } from './http-util.ts';
import { type ListenParams, parseListenParams } from './listen-params.ts';
import { SimListenSession } from './listen-session.ts';
import type { ScriptRegistry } from './script.ts';
import type { SimDeepgramFaults, SimDeepgramStats } from './types.ts';

export interface ListenContext {
  apiKey: string | undefined;
  logger: Logger;
  stats: SimDeepgramStats;
  faults: () => SimDeepgramFaults;
  scripts: ScriptRegistry;
  idleTimeoutMs: number;
  interimIntervalMs: number;
  msPerChar: number;
}

type Admission = { ok: true; params: ListenParams } | { ok: false; status: number; message: string };

/** Deepgram checks route, credentials and query before upgrading; a refusal is a plain HTTP answer. */
function admit(
  url: URL,
  req: IncomingMessage,
  apiKey: string | undefined,
  faults: SimDeepgramFaults,
): Admission {
  if (url.pathname !== '/v1/listen')
    return { ok: false, status: 404, message: `no WebSocket route ${url.pathname}` };
  if (!isAuthorized(req.headers, apiKey)) return { ok: false, status: 401, message: 'Invalid credentials.' };
  if (faults.connectStatus)
    return { ok: false, status: faults.connectStatus, message: 'simulated connect failure' };
  const parsed = parseListenParams(url.searchParams);
  return parsed.ok ? parsed : { ok: false, status: 400, message: parsed.message };
}

export function createListenEndpoint(ctx: ListenContext) {
  const requestIds = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    // The browser form of auth offers "token, <key>" as subprotocols; the server must pick one.
    handleProtocols: (protocols) =>
      protocols.has('token') ? 'token' : protocols.has('bearer') ? 'bearer' : false,
  });
  wss.on('headers', (headers, req) => {
    headers.push(`dg-request-id: ${requestIds.get(req) ?? ''}`, `${SIMULATED_HEADER}: true`);
  });
  let connectionId = 0;
  const { stats, logger } = ctx;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const requestId = randomUUID();
    requestIds.set(req, requestId);
    const url = new URL(req.url ?? '/', 'http://sim');
    const admission = admit(url, req, ctx.apiKey, ctx.faults());
    if (!admission.ok) {
      stats.listenRejected++;
      logger.info({ status: admission.status, message: admission.message }, 'sim deepgram: refusing upgrade');
      rejectUpgrade(socket, admission.status, admission.message, requestId);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      connectionId++;
      stats.listenConnections++;
      stats.listenActive++;
      stats.lastListenQuery = admission.params.raw;
      ws.on('close', () => stats.listenActive--);
      logger.info({ requestId, query: admission.params.raw }, 'sim deepgram: live stream opened');
      new SimListenSession({
        ws,
        params: admission.params,
        requestId,
        nextText: ctx.scripts.textSourceFor({ connectionId, query: url.searchParams, headers: req.headers }),
        logger: logger.child({ requestId }),
        stats,
        faults: { ...ctx.faults() },
        idleTimeoutMs: ctx.idleTimeoutMs,
        interimIntervalMs: ctx.interimIntervalMs,
        msPerChar: ctx.msPerChar,
      });
    });
  };

  const close = async (): Promise<void> => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
  return { onUpgrade, close };
}
