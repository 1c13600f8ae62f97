import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createElevenLabsTts } from '../../src/providers/elevenlabs/tts.ts';
import type { TextToSpeech } from '../../src/providers/ports.ts';
import { createFailoverTts, type FailoverSwitch } from '../../src/providers/tts-failover.ts';
import { speechLike } from '../../src/sim/audio.ts';
import {
  type ElevenLabsSim,
  type ElevenLabsSimOptions,
  startElevenLabsSim,
} from '../../src/sim/elevenlabs/server.ts';

const logger = createLogger('silent');
const FIRST = 'Thanks for calling Bright Smile Dental.';
const SECOND = 'How can I help you today?';
/** Distinct tones so a test can tell whose audio it got. */
const PRIMARY_HZ = 220;
const FALLBACK_HZ = 440;

const sims: ElevenLabsSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function vendor(name: string, hz: number, options: ElevenLabsSimOptions = {}, apiKey?: string) {
  const sim = await startElevenLabsSim({ ...options, speech: { frequencyHz: hz } });
  sims.push(sim);
  const tts: TextToSpeech = createElevenLabsTts({
    apiKey: apiKey ?? sim.apiKey,
    baseUrl: sim.url,
    logger,
    name,
  });
  return { sim, tts };
}

async function setup(
  primaryOptions: ElevenLabsSimOptions,
  extra: { primaryKey?: string; firstByteTimeoutMs?: number } = {},
) {
  const primary = await vendor('primary', PRIMARY_HZ, primaryOptions, extra.primaryKey);
  const fallback = await vendor('fallback', FALLBACK_HZ);
  const switches: FailoverSwitch[] = [];
  const tts = createFailoverTts({
    primary: primary.tts,
    fallback: fallback.tts,
    firstByteTimeoutMs: extra.firstByteTimeoutMs ?? 2_000,
    logger,
    onSwitch: (event) => switches.push(event),
  });
  return { primary: primary.sim, fallback: fallback.sim, tts, switches };
}

async function say(tts: TextToSpeech, text: string, signal?: AbortSignal, onChunk?: () => void) {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of tts.synthesize({ text, voiceId: 'v', ...(signal ? { signal } : {}) })) {
      chunks.push(chunk);
      onChunk?.();
    }
    return { audio: Buffer.concat(chunks), error: undefined };
  } catch (error) {
    return { audio: Buffer.concat(chunks), error };
  }
}

const voiceOf = (text: string, hz: number) => Buffer.from(speechLike(text, { frequencyHz: hz }));

describe('TTS failover', () => {
  it('uses the primary while it works', async () => {
    const { primary, fallback, tts } = await setup({});
    const { audio, error } = await say(tts, FIRST);
    expect(error).toBeUndefined();
    expect(audio.equals(voiceOf(FIRST, PRIMARY_HZ))).toBe(true);
    expect([primary.requestCount, fallback.requestCount, tts.switches]).toEqual([1, 0, 0]);
    expect(tts.active).toBe('primary');
  });

  it('leaves a finished primary request alone, and stops one whose reader stopped early', async () => {
    const signals: AbortSignal[] = [];
    const primary: TextToSpeech = {
      name: 'primary',
      async *synthesize(request) {
        signals.push(request.signal as AbortSignal);
        yield new Uint8Array(160);
        yield new Uint8Array(160);
      },
    };
    const fallback: TextToSpeech = { name: 'fallback', synthesize: () => (async function* () {})() };
    const tts = createFailoverTts({ primary, fallback, firstByteTimeoutMs: 2_000, logger });
    const { audio } = await say(tts, FIRST);
    expect(audio.length).toBe(320);
    // Aborting a finished request would only run the SDK's abort listeners for nothing.
    expect(signals[0]?.aborted).toBe(false);
    for await (const _chunk of tts.synthesize({ text: SECOND, voiceId: 'v' })) break;
    expect(signals[1]?.aborted).toBe(true);
  });

  it('re-synthesises on the fallback after a primary error and stays there (sticky)', async () => {
    const { primary, fallback, tts, switches } = await setup({ behavior: [{ status: 503 }] });
    const first = await say(tts, FIRST);
    expect(first.error).toBeUndefined();
    expect(first.audio.equals(voiceOf(FIRST, FALLBACK_HZ))).toBe(true);
    const second = await say(tts, SECOND);
    expect(second.audio.equals(voiceOf(SECOND, FALLBACK_HZ))).toBe(true);
    expect(primary.requestCount).toBe(1);
    expect(fallback.requests.map((r) => r.text)).toEqual([FIRST, SECOND]);
    expect(tts.switches).toBe(1);
    expect(tts.active).toBe('fallback');
    expect(switches).toEqual([
      { from: 'primary', to: 'fallback', reason: 'error', kind: 'unavailable', midSentence: false },
    ]);
  });

  it('switches on a non-retryable auth error too', async () => {
    const { tts, switches } = await setup({}, { primaryKey: 'revoked-key' });
    const { audio, error } = await say(tts, FIRST);
    expect(error).toBeUndefined();
    expect(audio.equals(voiceOf(FIRST, FALLBACK_HZ))).toBe(true);
    expect(switches[0]).toMatchObject({ reason: 'error', kind: 'auth' });
  });

  it('switches when the first byte misses its deadline, and closes the slow request', async () => {
    const deadlineMs = 300;
    const { primary, tts, switches } = await setup(
      { firstByteDelayMs: 30_000 },
      { firstByteTimeoutMs: deadlineMs },
    );
    const startedMs = Date.now();
    const { audio, error } = await say(tts, FIRST);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(deadlineMs - 20);
    expect(Date.now() - startedMs).toBeLessThan(20_000);
    expect(error).toBeUndefined();
    expect(audio.equals(voiceOf(FIRST, FALLBACK_HZ))).toBe(true);
    expect(switches).toEqual([
      { from: 'primary', to: 'fallback', reason: 'first-byte-timeout', midSentence: false },
    ]);
    await vi.waitFor(() => expect(primary.requests[0]?.clientClosedEarly).toBe(true), { timeout: 10_000 });
  });

  it('ends a half-played sentence when the primary dies mid-stream and uses the fallback from the next', async () => {
    const { fallback, tts, switches } = await setup({
      behavior: [{ closeAfterBytes: 1280 }],
      chunkBytes: 320,
    });
    const first = await say(tts, FIRST);
    expect(first.error).toBeUndefined();
    expect(first.audio.length).toBeGreaterThan(0);
    expect(first.audio.equals(voiceOf(FIRST, PRIMARY_HZ).subarray(0, first.audio.length))).toBe(true);
    expect(fallback.requestCount).toBe(0);
    const second = await say(tts, SECOND);
    expect(second.audio.equals(voiceOf(SECOND, FALLBACK_HZ))).toBe(true);
    expect(switches).toEqual([
      { from: 'primary', to: 'fallback', reason: 'error', kind: 'unavailable', midSentence: true },
    ]);
  });

  it('does not count an abort as a failure, before or after the first byte', async () => {
    const { primary, fallback, tts } = await setup(
      { behavior: [{ firstByteDelayMs: 5_000 }, { interChunkDelayMs: 200 }], chunkBytes: 160 },
      { firstByteTimeoutMs: 10_000 },
    );
    const early = new AbortController();
    setTimeout(() => early.abort(), 100);
    const beforeFirstByte = await say(tts, FIRST, early.signal);
    expect(beforeFirstByte.error).toMatchObject({ kind: 'aborted' });

    const late = new AbortController();
    const midStream = await say(tts, SECOND, late.signal, () => late.abort());
    expect(midStream.audio.length).toBeGreaterThan(0);
    expect(midStream.error).toMatchObject({ kind: 'aborted' });

    expect(tts.switches).toBe(0);
    expect(tts.active).toBe('primary');
    expect(fallback.requestCount).toBe(0);
    await vi.waitFor(() => expect(primary.requests.every((r) => r.clientClosedEarly)).toBe(true), {
      timeout: 10_000,
    });
  });
});

describe('TTS failover with a stall deadline', () => {
  it('treats a primary that goes silent mid-sentence as failed when stallTimeoutMs is set', async () => {
    const primary = await vendor('primary', PRIMARY_HZ, {
      behavior: [{ stallAfterBytes: 640 }],
      chunkBytes: 320,
    });
    const fallback = await vendor('fallback', FALLBACK_HZ);
    const tts = createFailoverTts({
      primary: primary.tts,
      fallback: fallback.tts,
      firstByteTimeoutMs: 5_000,
      stallTimeoutMs: 300,
      logger,
    });
    const first = await say(tts, FIRST);
    expect(first.error).toBeUndefined();
    expect(first.audio.length).toBe(640);
    const second = await say(tts, SECOND);
    expect(second.audio.equals(voiceOf(SECOND, FALLBACK_HZ))).toBe(true);
    expect(tts.switches).toBe(1);
    await vi.waitFor(() => expect(primary.sim.requests[0]?.clientClosedEarly).toBe(true), {
      timeout: 10_000,
    });
  });
});
