import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../../../src/domain/errors.ts';
import { createLogger } from '../../../src/logger.ts';
import { createElevenLabsTts } from '../../../src/providers/elevenlabs/tts.ts';
import { createNodeFetch } from '../../../src/providers/http/node-fetch.ts';
import { speechLike } from '../../../src/sim/audio.ts';
import {
  type ElevenLabsSim,
  type ElevenLabsSimOptions,
  startElevenLabsSim,
} from '../../../src/sim/elevenlabs/server.ts';

const logger = createLogger('silent');
const TEXT = 'Your appointment is confirmed for Tuesday at ten thirty.';

let sim: ElevenLabsSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The transport under test: the built-in fetch, or the node:http one the live-call path uses. */
let transport: typeof fetch | undefined;

async function setup(options: ElevenLabsSimOptions = {}, apiKey?: string) {
  sim = await startElevenLabsSim(options);
  const tts = createElevenLabsTts({
    apiKey: apiKey ?? sim.apiKey,
    baseUrl: sim.url,
    logger,
    optimizeStreamingLatency: 3,
    ...(transport ? { fetch: transport } : {}),
  });
  return { sim, tts };
}

async function drain(stream: AsyncIterable<Uint8Array>, onChunk?: (chunk: Uint8Array) => void) {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      onChunk?.(chunk);
    }
    return { chunks, audio: Buffer.concat(chunks), error: undefined };
  } catch (error) {
    return { chunks, audio: Buffer.concat(chunks), error };
  }
}

describe.each([
  ['built-in fetch', undefined],
  ['node:http transport', createNodeFetch()],
])('ElevenLabs TTS adapter against the simulated server (%s)', (_name, fetch) => {
  beforeEach(() => {
    transport = fetch;
  });

  it('sends consecutive sentences over one kept-alive connection', async () => {
    const { sim, tts } = await setup();
    for (const text of ['Thanks for calling.', 'How can I help?', 'One moment.']) {
      const { audio, error } = await drain(tts.synthesize({ text, voiceId: 'v' }));
      expect(error).toBeUndefined();
      expect(audio.equals(Buffer.from(speechLike(text)))).toBe(true);
      // Sentences follow each other on a call; a short gap lets the socket return to the pool.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sim.requests.map((r) => r.completed)).toEqual([true, true, true]);
    expect(new Set(sim.requests.map((r) => r.remotePort)).size).toBe(1);
  });

  it('streams exactly the mu-law bytes the server sent, asking for ulaw_8000', async () => {
    const { sim, tts } = await setup({ chunkBytes: 500 });
    const { chunks, audio, error } = await drain(
      tts.synthesize({ text: TEXT, voiceId: 'voice-1', language: 'en-US' }),
    );
    expect(error).toBeUndefined();
    expect(chunks.length).toBeGreaterThan(1);
    expect(audio.length).toBe(speechLike(TEXT).length);
    expect(Buffer.compare(audio, Buffer.from(speechLike(TEXT)))).toBe(0);
    const request = sim.requests[0];
    expect(request).toMatchObject({ voiceId: 'voice-1', text: TEXT, completed: true });
    expect(request?.query).toMatchObject({ output_format: 'ulaw_8000', optimize_streaming_latency: '3' });
    expect(request?.body).toMatchObject({ model_id: 'eleven_flash_v2_5', language_code: 'en' });
  });

  it('maps a rejected key to auth', async () => {
    const { tts } = await setup({}, 'wrong-key');
    const { chunks, error } = await drain(tts.synthesize({ text: TEXT, voiceId: 'voice-1' }));
    expect(chunks).toHaveLength(0);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'auth', status: 401, retryable: false, provider: 'elevenlabs' });
  });

  it('maps a 500 to unavailable and a connection cut mid-stream to unavailable', async () => {
    const { tts } = await setup({ behavior: [{ status: 500 }, { closeAfterBytes: 1600 }] });
    const first = await drain(tts.synthesize({ text: TEXT, voiceId: 'voice-1' }));
    expect(first.error).toMatchObject({ kind: 'unavailable', status: 500 });
    const second = await drain(tts.synthesize({ text: TEXT, voiceId: 'voice-1' }));
    expect(second.audio.length).toBeGreaterThan(0);
    expect(second.audio.length).toBeLessThan(speechLike(TEXT).length);
    expect(second.error).toMatchObject({ kind: 'unavailable' });
  });

  it('stops on abort, reports aborted, and the server sees the connection closed', async () => {
    const { sim, tts } = await setup({ interChunkDelayMs: 100, chunkBytes: 160 });
    const controller = new AbortController();
    const { chunks, error } = await drain(
      tts.synthesize({ text: TEXT, voiceId: 'v', signal: controller.signal }),
      () => controller.abort(),
    );
    expect(chunks.length).toBeLessThan(10);
    expect(error).toMatchObject({ kind: 'aborted' });
    await vi.waitFor(() => expect(sim.requests[0]?.clientClosedEarly).toBe(true), { timeout: 10_000 });
  });

  it('makes no request for empty text', async () => {
    const { sim, tts } = await setup();
    const { chunks, error } = await drain(tts.synthesize({ text: '  ', voiceId: 'v' }));
    expect(error).toBeUndefined();
    expect(chunks).toHaveLength(0);
    expect(sim.requestCount).toBe(0);
  });
});
