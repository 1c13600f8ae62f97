import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/domain/errors.ts';
import { createLogger } from '../../../src/logger.ts';
import { createTwilioDialer, refusalOf } from '../../../src/providers/twilio/dialer.ts';
import { verifyTwilioSignature } from '../../../src/providers/twilio/signature.ts';
import { SimOutbound } from '../../../src/sim/twilio/outbound.ts';
import {
  createSimCallRegistry,
  createSimTwilioRest,
  type SimTwilioRest,
} from '../../../src/sim/twilio/rest.ts';

const ACCOUNT_SID = `AC${'3'.repeat(32)}`;
const AUTH_TOKEN = 'dialer-auth-token-0123456789abcd';
const logger = createLogger('silent');

interface Received {
  path: string;
  params: Record<string, string>;
  signed: boolean;
}

/** A webhook receiver standing in for the realtime node: records callbacks and checks signatures. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  let url = '';
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const signature = req.headers['x-twilio-signature'];
      const signed = verifyTwilioSignature({
        authToken: AUTH_TOKEN,
        url: `${url}${req.url}`,
        params,
        signature,
      });
      received.push({ path: req.url ?? '', params, signed });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('Twilio dialer (official SDK against the simulated Twilio)', () => {
  const registry = createSimCallRegistry(ACCOUNT_SID);
  const sim = new SimOutbound({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    logger,
    registry,
    defaultScenario: { kind: 'busy' },
    scenarios: { '+14155554002': { kind: 'invalid' } },
    ringMs: 50,
  });
  let rest: SimTwilioRest;
  let restUrl: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    rest = await createSimTwilioRest({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      logger,
      registry,
      outbound: sim,
    });
    restUrl = await rest.listen();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await sim.close();
    await rest?.close();
    await receiver?.close();
  });

  const dialer = () =>
    createTwilioDialer({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: restUrl, logger });

  it('places the call with our webhooks and AMD, and gets signed progress callbacks in order', async () => {
    const since = new Date(Date.now() - 5000);
    const outcome = await dialer().dial({
      to: '+14155554001',
      from: '+14155550100',
      voiceUrl: `${receiver.url}/twilio/voice?dial=x`,
      statusCallbackUrl: `${receiver.url}/twilio/outbound/status?dial=x`,
      amdCallbackUrl: `${receiver.url}/twilio/outbound/amd?dial=x`,
      ringTimeoutSec: 20,
    });
    expect(outcome).toEqual({ placed: true, callSid: expect.stringMatching(/^CA[0-9a-f]{32}$/) });
    await sim.settled();
    const sent = sim.created.find((c) => outcome.placed && c.callSid === outcome.callSid)?.params;
    expect(sent).toMatchObject({
      Url: `${receiver.url}/twilio/voice?dial=x`,
      Method: 'POST',
      StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      MachineDetection: 'DetectMessageEnd',
      AsyncAmd: 'true',
      AsyncAmdStatusCallback: `${receiver.url}/twilio/outbound/amd?dial=x`,
      Timeout: '20',
    });
    const callbacks = receiver.received.filter((r) => r.path.startsWith('/twilio/outbound/status'));
    expect(callbacks.every((c) => c.signed)).toBe(true);
    expect(callbacks.map((c) => [c.params.CallStatus, c.params.SequenceNumber])).toEqual([
      ['initiated', '0'],
      ['ringing', '1'],
      ['busy', '2'],
    ]);
    expect(callbacks.at(-1)?.params).toMatchObject({ Direction: 'outbound-api', SipResponseCode: '486' });

    const found = await dialer().findRecentCalls({ to: '+14155554001', from: '+14155550100', since });
    expect(found.map((c) => c.sid)).toEqual([outcome.placed ? outcome.callSid : '']);
    expect(await dialer().findRecentCalls({ to: '+14155554001', from: '+14155550199', since })).toEqual([]);
    expect(
      await dialer().findRecentCalls({
        to: '+14155554001',
        from: '+14155550100',
        since: new Date(Date.now() + 60_000),
      }),
    ).toEqual([]);
  });

  it('turns Twilio error 21211 into an invalid_number refusal without a dial', async () => {
    const outcome = await dialer().dial({
      to: '+14155554002',
      from: '+14155550100',
      voiceUrl: `${receiver.url}/twilio/voice`,
      statusCallbackUrl: `${receiver.url}/twilio/outbound/status`,
      ringTimeoutSec: 20,
    });
    expect(outcome).toMatchObject({ placed: false, refusal: { kind: 'invalid_number', code: 21211 } });
    expect(sim.dialCount('+14155554002')).toBe(0);
  });

  it('throws a non-retryable provider error on bad credentials', async () => {
    const wrong = createTwilioDialer({
      accountSid: ACCOUNT_SID,
      authToken: 'wrong',
      baseUrl: restUrl,
      logger,
    });
    const error = await wrong
      .dial({
        to: '+14155554003',
        from: '+14155550100',
        voiceUrl: 'http://x/v',
        statusCallbackUrl: 'http://x/s',
        ringTimeoutSec: 5,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(false);
    expect(sim.dialCount('+14155554003')).toBe(0);
  });

  it('maps Twilio codes: number problems, caller id problems, and outages', () => {
    expect(refusalOf({ status: 400, code: 21614, message: 'not mobile' })?.kind).toBe('invalid_number');
    expect(refusalOf({ status: 400, code: 21210, message: 'unverified' })?.kind).toBe('failed');
    expect(refusalOf({ status: 503, code: 20503, message: 'down' })).toBeUndefined();
    expect(refusalOf({ status: 429, code: 20429, message: 'slow down' })).toBeUndefined();
  });
});
