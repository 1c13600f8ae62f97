import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/domain/errors.ts';
import { createLogger } from '../../../src/logger.ts';
import { createTwilioCallControl } from '../../../src/providers/twilio/call-control.ts';
import { createSimTwilioRest, type SimTwilioRest } from '../../../src/sim/twilio/rest.ts';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'sim-auth-token';
const logger = createLogger('silent');

describe('Twilio call control against the simulated REST API', () => {
  let sim: SimTwilioRest;
  let baseUrl: string;

  beforeAll(async () => {
    sim = await createSimTwilioRest({ accountSid: ACCOUNT, authToken: TOKEN, logger });
    baseUrl = await sim.listen();
  });
  afterAll(() => sim.close());

  const control = (authToken = TOKEN) =>
    createTwilioCallControl({ accountSid: ACCOUNT, authToken, baseUrl, logger });

  it('fetches a call', async () => {
    const call = sim.registry.registerCall({
      from: '+15551230000',
      to: '+15557650000',
      status: 'in-progress',
    });
    await expect(control().fetchCall(call.sid)).resolves.toEqual({ sid: call.sid, status: 'in-progress' });
  });

  it('hangs up with Status=completed', async () => {
    const call = sim.registry.registerCall({ from: '+15551230000', to: '+15557650000' });
    sim.registry.setStatus(call.sid, 'in-progress');
    await control().hangUp(call.sid);
    expect(sim.registry.get(call.sid)?.status).toBe('completed');
    expect(sim.registry.updates.at(-1)).toMatchObject({ sid: call.sid, params: { Status: 'completed' } });
    const info = await control().fetchCall(call.sid);
    expect(info).toMatchObject({ status: 'completed', durationSec: 0 });
  });

  it('transfers by replacing the TwiML with a Dial', async () => {
    const call = sim.registry.registerCall({
      from: '+15551230000',
      to: '+15557650000',
      status: 'in-progress',
    });
    await control().transfer(call.sid, '+15559990000');
    const update = sim.registry.updates.at(-1);
    expect(update?.sid).toBe(call.sid);
    expect(update?.twiml).toContain('<Dial>+15559990000</Dial>');
    expect(sim.registry.get(call.sid)?.status).toBe('in-progress');
  });

  it('maps 401 to a non-retryable auth error', async () => {
    const call = sim.registry.registerCall({ from: '+15551230000', to: '+15557650000' });
    const error = await control('wrong-token')
      .fetchCall(call.sid)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'twilio', kind: 'auth', status: 401, retryable: false });
  });

  it('maps 404 to bad-request', async () => {
    const error = await control()
      .hangUp('CAnotacall')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'bad-request', status: 404, retryable: false });
    expect((error as Error).message).toContain('20404');
  });

  it('maps a redirect of an ended call to bad-request', async () => {
    const call = sim.registry.registerCall({ from: '+15551230000', to: '+15557650000', status: 'completed' });
    const error = await control()
      .transfer(call.sid, '+15559990000')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'bad-request', status: 400 });
  });

  it('maps an unreachable server to a retryable unavailable error', async () => {
    const dead = createTwilioCallControl({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      baseUrl: 'http://127.0.0.1:1',
      logger,
    });
    const error = await dead.fetchCall('CA1').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'unavailable', retryable: true });
  });
});
