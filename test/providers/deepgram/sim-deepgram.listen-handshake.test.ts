import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type SimDeepgram, startSimDeepgram } from '../../../src/sim/deepgram/server.ts';
import { logger } from './helpers.ts';

/** Opens a raw socket and reports the handshake outcome: "open" or the HTTP status of the refusal. */
function handshake(url: string, options: { headers?: Record<string, string>; protocols?: string[] }) {
  return new Promise<{ outcome: number | 'open'; protocol?: string; simulated?: string }>((resolve) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    ws.on('upgrade', (res) => {
      ws.once('open', () => {
        resolve({ outcome: 'open', protocol: ws.protocol, simulated: String(res.headers['dg-simulated']) });
        ws.close();
      });
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ outcome: res.statusCode ?? 0, simulated: String(res.headers['dg-simulated']) });
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => {});
  });
}

const GOOD_QUERY = 'model=nova-3&encoding=mulaw&sample_rate=8000&channels=1';

describe('simulated Deepgram /v1/listen handshake', () => {
  let sim: SimDeepgram | undefined;

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('accepts the Token header or the token subprotocol, and labels itself simulated', async () => {
    sim = await startSimDeepgram({ logger, apiKey: 'key1' });
    const url = `${sim.baseUrl.replace('http', 'ws')}/v1/listen?${GOOD_QUERY}`;
    const header = await handshake(url, { headers: { Authorization: 'Token key1' } });
    expect(header).toMatchObject({ outcome: 'open', simulated: 'true' });
    const subprotocol = await handshake(url, { protocols: ['token', 'key1'] });
    expect(subprotocol).toMatchObject({ outcome: 'open', protocol: 'token' });
    expect(await handshake(url, {})).toMatchObject({ outcome: 401, simulated: 'true' });
  });

  it.each([
    ['encoding=linear16&sample_rate=16000', 'an unsupported encoding'],
    ['encoding=mulaw', 'encoding without sample_rate'],
    ['sample_rate=8000', 'sample_rate without encoding'],
    ['encoding=mulaw&sample_rate=8000&endpointing=soon', 'a malformed endpointing'],
  ])('refuses %s (%s) with 400 before upgrading', async (query) => {
    sim = await startSimDeepgram({ logger });
    const url = `${sim.baseUrl.replace('http', 'ws')}/v1/listen?model=nova-3&${query}`;
    expect(await handshake(url, { headers: { Authorization: 'Token k' } })).toMatchObject({ outcome: 400 });
    expect(sim.stats.listenConnections).toBe(0);
  });
});
