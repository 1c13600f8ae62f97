/**
 * SIMULATED Twilio REST API (not Twilio): the slice of /2010-04-01 the platform uses, on
 * loopback, for tests and local runs. Checks Basic auth like Twilio, parses form bodies with
 * repeated keys, answers with Twilio's snake_case Call JSON and {code, message, more_info, status}
 * errors, so the official SDK can be pointed at it unchanged.
 */
import formbody from '@fastify/formbody';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { TERMINAL_CALL_STATUSES } from '../../domain/call.ts';
import type { Logger } from '../../logger.ts';
import type { CallStatus } from '../../providers/ports.ts';
import { mountSimMessages, type SimMessages } from './messages.ts';
import { registerSimRecordings, type SimRecordings } from './recordings.ts';
import { errorBody, first, newSid } from './rest-wire.ts';

export interface SimCall {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  direction: 'inbound' | 'outbound-api';
  status: CallStatus;
  createdAt: Date;
  startedAt?: Date;
  endedAt?: Date;
  /** Inline TwiML last set through the REST API (a transfer puts a <Dial> here). */
  twiml?: string;
  /** Answering-machine detection's verdict (`human`, `machine_end_beep`, ...). */
  answeredBy?: string;
}

export interface SimCallUpdate {
  sid: string;
  /** Form fields exactly as received, repeated keys as arrays. */
  params: Record<string, string | string[]>;
  status: CallStatus;
  twiml?: string;
}

export interface SimCallRegistry {
  registerCall(call: Partial<SimCall> & Pick<SimCall, 'from' | 'to'>): SimCall;
  get(sid: string): SimCall | undefined;
  /** Every call, oldest first. */
  all(): SimCall[];
  setStatus(sid: string, status: CallStatus): SimCall;
  /** Every accepted REST update, in order, for tests to assert on. */
  readonly updates: readonly SimCallUpdate[];
  /** Called on each REST update; returns an unsubscribe function. */
  onUpdate(listener: (update: SimCallUpdate) => void): () => void;
  /** Called on every status change, however it happened (REST, caller hang-up). */
  onStatus(listener: (call: SimCall) => void): () => void;
}

const ENDED = TERMINAL_CALL_STATUSES;

export function createSimCallRegistry(accountSid: string): SimCallRegistry & {
  applyUpdate(sid: string, params: Record<string, string | string[]>): SimCallUpdate;
} {
  const calls = new Map<string, SimCall>();
  const updates: SimCallUpdate[] = [];
  const listeners = new Set<(update: SimCallUpdate) => void>();
  const statusListeners = new Set<(call: SimCall) => void>();

  function setStatus(sid: string, status: CallStatus): SimCall {
    const call = calls.get(sid);
    if (!call) throw new Error(`no simulated call ${sid}`);
    if (status === 'in-progress' && !call.startedAt) call.startedAt = new Date();
    if (ENDED.includes(status) && !ENDED.includes(call.status)) call.endedAt = new Date();
    const changed = call.status !== status;
    call.status = status;
    if (changed) for (const listener of statusListeners) listener(call);
    return call;
  }

  return {
    registerCall(init) {
      const call: SimCall = {
        sid: init.sid ?? newSid('CA'),
        accountSid: init.accountSid ?? accountSid,
        direction: init.direction ?? 'inbound',
        status: init.status ?? 'ringing',
        createdAt: init.createdAt ?? new Date(),
        ...init,
      };
      calls.set(call.sid, call);
      return call;
    },
    get: (sid) => calls.get(sid),
    all: () => [...calls.values()],
    setStatus,
    updates,
    onUpdate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    applyUpdate(sid, params) {
      const call = calls.get(sid) as SimCall;
      const status = first(params.Status);
      const twiml = first(params.Twiml);
      if (twiml !== undefined) call.twiml = twiml;
      if (status === 'completed' || status === 'canceled') setStatus(sid, status);
      const update: SimCallUpdate = { sid, params, status: call.status, ...(twiml ? { twiml } : {}) };
      updates.push(update);
      for (const listener of listeners) listener(update);
      return update;
    },
  };
}

export function callJson(call: SimCall) {
  const durationSec =
    call.startedAt && call.endedAt
      ? Math.round((call.endedAt.getTime() - call.startedAt.getTime()) / 1000)
      : null;
  const base = `/2010-04-01/Accounts/${call.accountSid}/Calls/${call.sid}`;
  return {
    sid: call.sid,
    account_sid: call.accountSid,
    parent_call_sid: null,
    from: call.from,
    from_formatted: call.from,
    to: call.to,
    to_formatted: call.to,
    status: call.status,
    direction: call.direction,
    answered_by: call.answeredBy ?? null,
    api_version: '2010-04-01',
    date_created: call.createdAt.toUTCString(),
    date_updated: new Date().toUTCString(),
    start_time: call.startedAt?.toUTCString() ?? null,
    end_time: call.endedAt?.toUTCString() ?? null,
    duration: durationSec === null ? null : String(durationSec),
    price: null,
    price_unit: 'USD',
    uri: `${base}.json`,
    subresource_uris: { recordings: `${base}/Recordings.json`, events: `${base}/Events.json` },
  };
}

/** Answers Calls.create (outbound dialing); see ./outbound.ts. Without one, creates get 405. */
export interface SimCallCreator {
  create(params: Record<string, string | string[]>): Promise<{ status: number; body: object }>;
}

export interface SimTwilioRestOptions {
  accountSid: string;
  authToken: string;
  logger: Logger;
  registry?: ReturnType<typeof createSimCallRegistry>;
  outbound?: SimCallCreator;
  /** Pause between simulated message status callbacks. */
  messageCallbackStepMs?: number;
}

export interface SimTwilioRest {
  app: FastifyInstance;
  registry: ReturnType<typeof createSimCallRegistry>;
  recordings: SimRecordings;
  /** The simulated Messages API (SMS) on the same app. */
  messages: SimMessages;
  /** Listens on 127.0.0.1 with an ephemeral port; resolves to the origin to give the SDK. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

function authorized(request: FastifyRequest, accountSid: string, authToken: string): boolean {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  return decoded === `${accountSid}:${authToken}`;
}

export type CallRoute = FastifyRequest<{ Params: { sid: string; callSid: string } }>;

export async function createSimTwilioRest(options: SimTwilioRestOptions): Promise<SimTwilioRest> {
  const registry = options.registry ?? createSimCallRegistry(options.accountSid);
  const app = Fastify({ loggerInstance: options.logger.child({ sim: 'twilio-rest' }) as FastifyBaseLogger });
  await app.register(formbody);

  app.addHook('onRequest', async (request, reply) => {
    if (!authorized(request, options.accountSid, options.authToken)) {
      return reply.code(401).send(errorBody(401, 20003, 'Authenticate'));
    }
  });

  function findCall(request: CallRoute, reply: FastifyReply): SimCall | undefined {
    const call = registry.get(request.params.callSid);
    if (call && request.params.sid === options.accountSid && call.accountSid === options.accountSid)
      return call;
    const message = `The requested resource ${request.url} was not found`;
    void reply.code(404).send(errorBody(404, 20404, message));
    return undefined;
  }

  const listPath = '/2010-04-01/Accounts/:sid/Calls.json';
  type ListRoute = FastifyRequest<{ Params: { sid: string }; Querystring: Record<string, string> }>;
  app.post(listPath, async (request: ListRoute, reply) => {
    if (request.params.sid !== options.accountSid)
      return reply.code(404).send(errorBody(404, 20404, 'Not found'));
    if (!options.outbound) return reply.code(405).send(errorBody(405, 20004, 'Method not allowed'));
    const { status, body } = await options.outbound.create(
      (request.body ?? {}) as Record<string, string | string[]>,
    );
    return reply.code(status).send(body);
  });
  app.get(listPath, async (request: ListRoute, reply) => {
    if (request.params.sid !== options.accountSid)
      return reply.code(404).send(errorBody(404, 20404, 'Not found'));
    return listCalls(registry.all(), request.params.sid, request.query);
  });

  const path = '/2010-04-01/Accounts/:sid/Calls/:callSid.json';
  app.get(path, async (request: CallRoute, reply) => {
    const call = findCall(request, reply);
    return call ? callJson(call) : reply;
  });

  app.post(path, async (request: CallRoute, reply) => {
    const call = findCall(request, reply);
    if (!call) return reply;
    const params = (request.body ?? {}) as Record<string, string | string[]>;
    const status = first(params.Status);
    if (status !== undefined && status !== 'completed' && status !== 'canceled') {
      return reply.code(400).send(errorBody(400, 20001, `Invalid Status ${status}`));
    }
    if (ENDED.includes(call.status) && (params.Twiml !== undefined || params.Url !== undefined)) {
      return reply.code(400).send(errorBody(400, 21220, 'Call is not in-progress. Cannot redirect.'));
    }
    registry.applyUpdate(call.sid, params);
    return callJson(call);
  });

  const recordings = registerSimRecordings(app, { ...options, registry, findCall });
  const messages = mountSimMessages(app, {
    accountSid: options.accountSid,
    authToken: options.authToken,
    logger: options.logger,
    callbackStepMs: options.messageCallbackStepMs,
  });

  return {
    app,
    registry,
    recordings,
    messages,
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      if (!address || typeof address === 'string') throw new Error('simulated Twilio has no TCP address');
      return `http://127.0.0.1:${address.port}`;
    },
    close: () => app.close(),
  };
}

/** Calls.list: filters by To, From and Status, newest first, one page of PageSize (default 50). */
function listCalls(calls: SimCall[], accountSid: string, query: Record<string, string>) {
  const pageSize = Math.min(1000, Math.max(1, Number(query.PageSize ?? 50) || 50));
  const matching = calls
    .filter((c) => c.accountSid === accountSid)
    .filter((c) => query.To === undefined || c.to === query.To)
    .filter((c) => query.From === undefined || c.from === query.From)
    .filter((c) => query.Status === undefined || c.status === query.Status)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, pageSize);
  const uri = `/2010-04-01/Accounts/${accountSid}/Calls.json?PageSize=${pageSize}&Page=0`;
  return {
    calls: matching.map(callJson),
    end: Math.max(0, matching.length - 1),
    first_page_uri: uri,
    next_page_uri: null,
    page: 0,
    page_size: pageSize,
    previous_page_uri: null,
    start: 0,
    uri,
  };
}
