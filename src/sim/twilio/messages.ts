/**
 * SIMULATED Twilio Messages API (not Twilio), mounted on the simulated REST app: create, fetch
 * and list messages in Twilio's JSON shape and error shape, then signed status callbacks
 * (queued → sent → delivered, or failed/undelivered when a scenario says so), like the real one.
 * Every accepted message is kept per destination number for tests to assert on.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../../logger.ts';
import { signTwilioRequest } from '../../providers/twilio/signature.ts';

export interface SimMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  status: string;
  errorCode: number | null;
  statusCallback?: string;
  createdAt: Date;
}

/** What happens to messages sent to one number. */
export interface MessageScenario {
  /** Final status reported by callback; default delivered. */
  outcome?: 'delivered' | 'failed' | 'undelivered';
  /** Twilio error code carried by a failed/undelivered callback (e.g. 30003 unreachable). */
  errorCode?: number;
  /** Refuse creation with this Twilio error (e.g. 400/21610 unsubscribed recipient). */
  reject?: { status: number; code: number; message: string };
  /**
   * Accept (and later deliver) the next N messages but answer 500, as if the response were lost
   * on the way back: the sender cannot know the message went out.
   */
  loseResponses?: number;
}

export interface SimMessages {
  /** Accepted messages to `to`, oldest first. */
  sentTo(to: string): SimMessage[];
  all(): SimMessage[];
  setScenario(to: string, scenario: MessageScenario): void;
  /** Resolves once every status callback started so far has been answered. */
  settled(): Promise<void>;
  readonly callbackResponses: { sid: string; status: string; httpStatus: number }[];
}

export interface SimMessagesOptions {
  accountSid: string;
  authToken: string;
  logger: Logger;
  /** Pause between status callbacks. */
  callbackStepMs?: number;
}

const E164 = /^\+[1-9]\d{1,14}$/;

function errorBody(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function messageJson(m: SimMessage) {
  const uri = `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`;
  return {
    sid: m.sid,
    account_sid: m.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: m.createdAt.toUTCString(),
    date_sent: m.status === 'queued' ? null : m.createdAt.toUTCString(),
    date_updated: new Date().toUTCString(),
    direction: 'outbound-api',
    error_code: m.errorCode,
    error_message: null,
    from: m.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: String(Math.max(1, Math.ceil(m.body.length / 160))),
    price: null,
    price_unit: 'USD',
    status: m.status,
    subresource_uris: { media: uri.replace('.json', '/Media.json') },
    to: m.to,
    uri,
  };
}

type Form = Record<string, string | string[] | undefined>;
const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function mountSimMessages(app: FastifyInstance, options: SimMessagesOptions): SimMessages {
  const messages: SimMessage[] = [];
  const scenarios = new Map<string, MessageScenario>();
  const inFlight = new Set<Promise<void>>();
  const callbackResponses: SimMessages['callbackResponses'] = [];
  const log = options.logger.child({ sim: 'twilio-messages' });
  const stepMs = options.callbackStepMs ?? 20;
  const base = '/2010-04-01/Accounts/:sid/Messages';
  type Req = FastifyRequest<{ Params: { sid: string; messageSid?: string } }>;

  const wrongAccount = (req: Req) => req.params.sid !== options.accountSid;
  const notFound = (req: Req) => errorBody(404, 20404, `The requested resource ${req.url} was not found`);

  app.post(`${base}.json`, async (req: Req, reply) => {
    if (wrongAccount(req)) return reply.code(404).send(notFound(req));
    const form = (req.body ?? {}) as Form;
    const to = text(form.To);
    const from = text(form.From);
    const body = text(form.Body);
    if (!to || !E164.test(to))
      return reply
        .code(400)
        .send(errorBody(400, 21211, `The 'To' number ${to ?? ''} is not a valid phone number.`));
    if (!from) return reply.code(400).send(errorBody(400, 21603, "A 'From' phone number is required."));
    if (!body) return reply.code(400).send(errorBody(400, 21602, 'Message body is required.'));
    const scenario = scenarios.get(to) ?? {};
    if (scenario.reject) {
      const { status, code, message } = scenario.reject;
      return reply.code(status).send(errorBody(status, code, message));
    }
    const message: SimMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      accountSid: options.accountSid,
      to,
      from,
      body,
      status: 'queued',
      errorCode: null,
      statusCallback: text(form.StatusCallback),
      createdAt: new Date(),
    };
    messages.push(message);
    track(progress(message, scenario));
    if (scenario.loseResponses && scenario.loseResponses > 0) {
      scenario.loseResponses -= 1;
      return reply.code(500).send(errorBody(500, 20500, 'Internal Server Error'));
    }
    return reply.code(201).send(messageJson(message));
  });

  app.get(`${base}/:messageSid.json`, async (req: Req, reply) => {
    const message = messages.find((m) => m.sid === req.params.messageSid);
    if (wrongAccount(req) || !message) return reply.code(404).send(notFound(req));
    return messageJson(message);
  });

  app.get(`${base}.json`, async (req: Req, reply) => {
    if (wrongAccount(req)) return reply.code(404).send(notFound(req));
    const query = req.query as Record<string, string | undefined>;
    // Twilio spells "sent on or after" as the key `DateSent>` (the `=` is the separator).
    const since = query['DateSent>'] ? new Date(query['DateSent>']) : undefined;
    const found = messages
      .filter((m) => (!query.To || m.to === query.To) && (!since || m.createdAt >= since))
      .reverse();
    const pageSize = Number(query.PageSize ?? 50);
    const uri = `/2010-04-01/Accounts/${options.accountSid}/Messages.json`;
    return {
      messages: found.slice(0, pageSize).map(messageJson),
      end: Math.max(0, Math.min(found.length, pageSize) - 1),
      first_page_uri: `${uri}?PageSize=${pageSize}&Page=0`,
      next_page_uri: null,
      page: 0,
      page_size: pageSize,
      previous_page_uri: null,
      start: 0,
      uri,
    };
  });

  function track(p: Promise<void>): void {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  async function progress(message: SimMessage, scenario: MessageScenario): Promise<void> {
    const outcome = scenario.outcome ?? 'delivered';
    const steps = outcome === 'failed' ? ['failed'] : ['sent', outcome];
    await callback(message);
    for (const status of steps) {
      await new Promise((resolve) => setTimeout(resolve, stepMs));
      message.status = status;
      if (status === 'failed' || status === 'undelivered') message.errorCode = scenario.errorCode ?? 30003;
      await callback(message);
    }
  }

  async function callback(message: SimMessage): Promise<void> {
    if (!message.statusCallback) return;
    const params: Record<string, string> = {
      AccountSid: message.accountSid,
      ApiVersion: '2010-04-01',
      From: message.from,
      MessageSid: message.sid,
      MessageStatus: message.status,
      SmsSid: message.sid,
      SmsStatus: message.status,
      To: message.to,
      ...(message.errorCode ? { ErrorCode: String(message.errorCode) } : {}),
    };
    try {
      const response = await fetch(message.statusCallback, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signTwilioRequest(options.authToken, message.statusCallback, params),
        },
        body: new URLSearchParams(params).toString(),
      });
      await response.arrayBuffer();
      callbackResponses.push({ sid: message.sid, status: message.status, httpStatus: response.status });
    } catch (err) {
      // Twilio does not retry message status callbacks either; the platform must cope.
      log.warn({ err, sid: message.sid }, 'message status callback failed');
      callbackResponses.push({ sid: message.sid, status: message.status, httpStatus: 0 });
    }
  }

  return {
    sentTo: (to) => messages.filter((m) => m.to === to),
    all: () => [...messages],
    setScenario: (to, scenario) => scenarios.set(to, { ...scenario }),
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    callbackResponses,
  };
}
