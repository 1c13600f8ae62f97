import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/domain/errors.ts';
import { createDeepgramStt } from '../../../src/providers/deepgram/stt.ts';
import { type SimDeepgram, startSimDeepgram } from '../../../src/sim/deepgram/server.ts';
import { logger, sttOptions } from './helpers.ts';

async function openError(baseUrl: string, apiKey: string, connectTimeoutMs = 5000): Promise<ProviderError> {
  const stt = createDeepgramStt({ apiKey, baseUrl, logger, connectTimeoutMs });
  const error = await stt
    .open(sttOptions, () => {})
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('deepgram live STT open failures', () => {
  let sim: SimDeepgram | undefined;

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('rejects with kind auth when the key is refused (401 before upgrade)', async () => {
    sim = await startSimDeepgram({ logger, apiKey: 'right-key' });
    const error = await openError(sim.baseUrl, 'wrong-key');
    expect(error).toMatchObject({ kind: 'auth', status: 401, retryable: false });
    expect(sim.stats.listenRejected).toBe(1);
    expect(sim.stats.listenConnections).toBe(0);
  });

  it.each([
    [429, 'rate-limit'],
    [503, 'unavailable'],
  ] as const)('maps a %i handshake to kind %s, without SDK retries', async (status, kind) => {
    sim = await startSimDeepgram({ logger, faults: { connectStatus: status } });
    const error = await openError(sim.baseUrl, 'k');
    expect(error).toMatchObject({ kind, status, retryable: true });
    expect(sim.stats.listenRejected).toBe(1);
  });

  it('rejects with kind unavailable when nothing listens on the port', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await openError(`http://127.0.0.1:${port}`, 'k');
    expect(error.kind).toBe('unavailable');
  });

  it('rejects with kind timeout when the handshake never completes', async () => {
    // Accepts TCP connections and never answers the upgrade request.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const error = await openError(`http://127.0.0.1:${port}`, 'k', 300);
      expect(error.kind).toBe('timeout');
    } finally {
      silent.close();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  });
});
