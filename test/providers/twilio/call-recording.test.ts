import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/logger.ts';
import { createTwilioCallControl } from '../../../src/providers/twilio/call-control.ts';
import { verifyTwilioSignature } from '../../../src/providers/twilio/signature.ts';
import { createSimTwilioRest, type SimTwilioRest } from '../../../src/sim/twilio/rest.ts';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'sim-auth-token';
const logger = createLogger('silent');

/** Stands in for our realtime node: receives the recording status callbacks Twilio sends. */
async function startReceiver() {
  const received: { params: Record<string, string>; signed: boolean }[] = [];
  const app: FastifyInstance = Fastify();
  await app.register(formbody);
  let url = '';
  app.post('/twilio/recording-status', async (req, reply) => {
    const params = req.body as Record<string, string>;
    const signed = verifyTwilioSignature({
      authToken: TOKEN,
      url,
      params,
      signature: req.headers['x-twilio-signature'],
    });
    received.push({ params, signed });
    return reply.code(204).send();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  url = `http://127.0.0.1:${address.port}/twilio/recording-status`;
  return { app, url, received };
}

describe('Twilio call recording against the simulated REST API', () => {
  let sim: SimTwilioRest;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let control: ReturnType<typeof createTwilioCallControl>;

  beforeAll(async () => {
    sim = await createSimTwilioRest({ accountSid: ACCOUNT, authToken: TOKEN, logger });
    const baseUrl = await sim.listen();
    receiver = await startReceiver();
    control = createTwilioCallControl({ accountSid: ACCOUNT, authToken: TOKEN, baseUrl, logger });
  });
  afterAll(async () => {
    await receiver?.app.close();
    await sim?.close();
  });

  it('starts one dual-channel recording however often it is asked, and reports it signed', async () => {
    const call = sim.registry.registerCall({
      from: '+15551230000',
      to: '+15557650000',
      status: 'in-progress',
    });
    const first = await control.startRecording(call.sid, receiver.url);
    const again = await control.startRecording(call.sid, receiver.url);
    expect(again).toEqual(first);
    expect(first.sid).toMatch(/^RE[0-9a-f]{32}$/);
    expect(first.url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${first.sid}`);
    expect(first.status).toBe('in-progress');
    const recordings = sim.recordings.forCall(call.sid);
    expect(recordings).toHaveLength(1);
    expect(recordings[0]?.channels).toBe(2);

    sim.registry.setStatus(call.sid, 'completed');
    await vi.waitFor(() =>
      expect(receiver.received.map((r) => r.params.RecordingStatus)).toContain('completed'),
    );
    const completed = receiver.received.find((r) => r.params.RecordingStatus === 'completed');
    expect(completed?.signed).toBe(true);
    expect(completed?.params).toMatchObject({
      CallSid: call.sid,
      RecordingSid: first.sid,
      RecordingUrl: first.url,
    });
    expect(Number(completed?.params.RecordingDuration)).toBeGreaterThanOrEqual(0);
  });

  it('refuses to record a call that is not in progress', async () => {
    const call = sim.registry.registerCall({ from: '+15551230000', to: '+15557650000', status: 'completed' });
    await expect(control.startRecording(call.sid, receiver.url)).rejects.toMatchObject({
      kind: 'bad-request',
    });
    expect(sim.recordings.forCall(call.sid)).toHaveLength(0);
  });
});
