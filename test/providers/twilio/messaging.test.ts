import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/domain/errors.ts';
import { createLogger } from '../../../src/logger.ts';
import { createTwilioMessaging } from '../../../src/providers/twilio/messaging.ts';
import { verifyTwilioSignature } from '../../../src/providers/twilio/signature.ts';
import { createSimTwilioRest, type SimTwilioRest } from '../../../src/sim/twilio/rest.ts';

const SID = `AC${'2'.repeat(32)}`;
const TOKEN = 'messaging-test-token-0123456789';
const FROM = '+14155550100';

/** The Twilio Messages adapter (official SDK) against the simulated Messages API. */
describe('Twilio messaging adapter', () => {
  const logger = createLogger('silent');
  let sim: SimTwilioRest;
  let restUrl: string;
  let receiver: http.Server;
  let callbackUrl: string;
  const callbacks: { params: Record<string, string>; signedOk: boolean }[] = [];

  beforeAll(async () => {
    sim = await createSimTwilioRest({ accountSid: SID, authToken: TOKEN, logger, messageCallbackStepMs: 5 });
    restUrl = await sim.listen();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const params = Object.fromEntries(new URLSearchParams(body));
        const signature = req.headers['x-twilio-signature'];
        callbacks.push({
          params,
          signedOk: verifyTwilioSignature({ authToken: TOKEN, url: callbackUrl, params, signature }),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/twilio/message-status`;
  });
  afterAll(async () => {
    await sim?.messages.settled();
    await sim?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const messaging = (authToken = TOKEN) =>
    createTwilioMessaging({ accountSid: SID, authToken, baseUrl: restUrl, logger });

  it('sends a message and Twilio reports queued, sent, delivered by signed callbacks', async () => {
    const sent = await messaging().send({
      to: '+14155552001',
      from: FROM,
      body: 'See you at 3',
      statusCallbackUrl: callbackUrl,
    });
    expect(sent).toMatchObject({ to: '+14155552001', from: FROM, body: 'See you at 3', status: 'queued' });
    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sim.messages.sentTo('+14155552001').map((m) => m.sid)).toEqual([sent.sid]);
    await sim.messages.settled();
    const mine = callbacks.filter((c) => c.params.MessageSid === sent.sid);
    expect(mine.map((c) => c.params.MessageStatus)).toEqual(['queued', 'sent', 'delivered']);
    expect(mine.every((c) => c.signedOk)).toBe(true);
  });

  it('turns Twilio errors into provider errors that say whether to retry', async () => {
    const badNumber = await messaging()
      .send({ to: '555-0100', from: FROM, body: 'x' })
      .catch((e: unknown) => e);
    expect(badNumber).toBeInstanceOf(ProviderError);
    expect(badNumber).toMatchObject({
      kind: 'bad-request',
      retryable: false,
      status: 400,
      cause: { code: 21211 },
    });

    const wrongToken = await messaging('wrong-token-0123456789')
      .send({ to: '+14155552002', from: FROM, body: 'x' })
      .catch((e: unknown) => e);
    expect(wrongToken).toMatchObject({ kind: 'auth', retryable: false, status: 401 });
    expect(sim.messages.sentTo('+14155552002')).toHaveLength(0);
  });

  it('finds a message whose answer was lost, so a retry need not send it again', async () => {
    sim.messages.setScenario('+14155552003', { loseResponses: 1 });
    const since = new Date(Date.now() - 1000);
    const lost = await messaging()
      .send({ to: '+14155552003', from: FROM, body: 'Reminder A' })
      .catch((e: unknown) => e);
    expect(lost).toMatchObject({ kind: 'unavailable', retryable: true });
    await messaging().send({ to: '+14155552004', from: FROM, body: 'Other customer' });

    const found = await messaging().listSentTo('+14155552003', since);
    expect(found.map((m) => m.body)).toEqual(['Reminder A']);
    expect(await messaging().listSentTo('+14155552003', new Date(Date.now() + 60_000))).toEqual([]);
  });
});
