import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/domain/errors.ts';
import { createDeepgramAuraTts } from '../../../src/providers/deepgram/tts-aura.ts';
import { speechLike } from '../../../src/sim/audio.ts';
import { type SimDeepgram, startSimDeepgram } from '../../../src/sim/deepgram/server.ts';
import { logger } from './helpers.ts';

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

async function failure(chunks: AsyncIterable<Uint8Array>): Promise<ProviderError> {
  const error = await drain(chunks).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

const TEXT = 'Your table for two is booked for seven tonight.';

describe('deepgram Aura TTS against the simulated service', () => {
  let sim: SimDeepgram | undefined;

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('streams headerless 8 kHz mu-law of the expected length, in several chunks', async () => {
    sim = await startSimDeepgram({ logger, apiKey: 'k', speakChunkBytes: 800 });
    const tts = createDeepgramAuraTts({ apiKey: 'k', baseUrl: sim.baseUrl, logger });

    const chunks = await drain(tts.synthesize({ text: TEXT, voiceId: 'aura-2-thalia-en' }));

    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(total).toBe(speechLike(TEXT).length);
    expect(chunks.length).toBeGreaterThan(1);
    // No WAV header: the first bytes are audio, not "RIFF".
    expect(
      Buffer.from(chunks[0] ?? [])
        .subarray(0, 4)
        .toString('latin1'),
    ).not.toBe('RIFF');
    expect(sim.stats.lastSpeakText).toBe(TEXT);
    expect(sim.stats.lastSpeakQuery).toMatchObject({
      model: 'aura-2-thalia-en',
      encoding: 'mulaw',
      sample_rate: '8000',
      container: 'none',
    });
  });

  it('maps HTTP 500 to a retryable ProviderError of kind unavailable, without SDK retries', async () => {
    sim = await startSimDeepgram({ logger, faults: { speakStatus: 500 } });
    const tts = createDeepgramAuraTts({ apiKey: 'k', baseUrl: sim.baseUrl, logger });

    const error = await failure(tts.synthesize({ text: TEXT, voiceId: 'aura-2-thalia-en' }));

    expect(error).toMatchObject({ kind: 'unavailable', status: 500, retryable: true });
    expect(sim.stats.speakRequests).toBe(1);
  });

  it('maps a refused key to kind auth', async () => {
    sim = await startSimDeepgram({ logger, apiKey: 'right' });
    const tts = createDeepgramAuraTts({ apiKey: 'wrong', baseUrl: sim.baseUrl, logger });
    const error = await failure(tts.synthesize({ text: TEXT, voiceId: 'aura-2-thalia-en' }));
    expect(error).toMatchObject({ kind: 'auth', status: 401, retryable: false });
  });

  it('stops the stream when the request is aborted mid-body', async () => {
    // 160-byte chunks 20 ms apart: real-time pacing, so the body takes seconds to finish.
    sim = await startSimDeepgram({ logger, speakChunkBytes: 160, speakChunkIntervalMs: 20 });
    const tts = createDeepgramAuraTts({ apiKey: 'k', baseUrl: sim.baseUrl, logger });
    const controller = new AbortController();
    let received = 0;

    const error = await failure(
      (async function* () {
        for await (const chunk of tts.synthesize({ text: TEXT, voiceId: 'v', signal: controller.signal })) {
          received += chunk.length;
          if (received >= 480) controller.abort();
          yield chunk;
        }
      })(),
    );

    expect(error.kind).toBe('aborted');
    expect(received).toBeLessThan(speechLike(TEXT).length);
    // The sim notices the closed connection and stops writing.
    const deadline = Date.now() + 10_000;
    while (sim.stats.speakAborted === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sim.stats.speakAborted).toBe(1);
    expect(sim.stats.speakBytesSent).toBeLessThan(speechLike(TEXT).length);
  });

  it('times out when no audio arrives within firstByteTimeoutMs', async () => {
    sim = await startSimDeepgram({ logger, faults: { speakHang: true } });
    const tts = createDeepgramAuraTts({ apiKey: 'k', baseUrl: sim.baseUrl, logger, firstByteTimeoutMs: 300 });
    const error = await failure(tts.synthesize({ text: TEXT, voiceId: 'v' }));
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
  });
});
