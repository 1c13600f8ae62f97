/**
 * Messaging (SMS) over Twilio's Messages API with the official SDK. Like CallControl, `baseUrl`
 * sends every request to another origin (the simulated Twilio on loopback).
 */
import twilio from 'twilio';
import type { Logger } from '../../logger.ts';
import type { MessageStatus, Messaging, SentMessage } from '../ports.ts';
import { OriginRewritingClient, toProviderError } from './call-control.ts';

export interface TwilioMessagingOptions {
  accountSid: string;
  authToken: string;
  baseUrl?: string;
  logger: Logger;
  timeoutMs?: number;
}

interface MessageLike {
  sid: string;
  status: string;
  to: string;
  from: string;
  body: string;
  dateCreated: Date;
}

function toSent(m: MessageLike): SentMessage {
  return {
    sid: m.sid,
    status: m.status as MessageStatus,
    to: m.to,
    from: m.from,
    body: m.body,
    dateCreated: m.dateCreated,
  };
}

/** How many recent messages to one number a reconciliation looks through. */
const RECONCILE_LIMIT = 50;

export function createTwilioMessaging(options: TwilioMessagingOptions): Messaging {
  const timeout = options.timeoutMs ?? 10_000;
  const httpClient = options.baseUrl
    ? new OriginRewritingClient(options.baseUrl, { timeout })
    : new twilio.RequestClient({ timeout });
  const client = twilio(options.accountSid, options.authToken, { httpClient });
  const log = options.logger.child({ provider: 'twilio' });

  async function run<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const failure = toProviderError(error, action);
      log.warn({ action, kind: failure.kind, status: failure.status }, 'twilio messaging failed');
      throw failure;
    }
  }

  return {
    send: (request) =>
      run('send message', async () =>
        toSent(
          await client.messages.create({
            to: request.to,
            from: request.from,
            body: request.body,
            ...(request.statusCallbackUrl ? { statusCallback: request.statusCallbackUrl } : {}),
          }),
        ),
      ),
    listSentTo: (to, since) =>
      run('list messages', async () => {
        const page = await client.messages.list({ to, dateSentAfter: since, limit: RECONCILE_LIMIT });
        return page.map(toSent);
      }),
  };
}
