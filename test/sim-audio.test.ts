import { describe, expect, it } from 'vitest';
import {
  durationMs,
  FRAME_BYTES,
  isSpeech,
  linearToMulaw,
  MULAW_SILENCE,
  mulawToLinear,
  silence,
  speechLike,
} from '../src/sim/audio.ts';

describe('simulated audio', () => {
  it('round-trips linear samples through mu-law within G.711 quantisation error', () => {
    for (const sample of [-32000, -1000, -1, 0, 1, 100, 1000, 12345, 32000]) {
      const back = mulawToLinear(linearToMulaw(sample));
      expect(Math.abs(back - sample)).toBeLessThanOrEqual(Math.max(8, Math.abs(sample) * 0.07));
    }
    expect(linearToMulaw(0)).toBe(MULAW_SILENCE);
  });

  it('makes speech as long as the text takes to say, and tells it from silence', () => {
    const audio = speechLike('hello there', { msPerChar: 100 });
    expect(durationMs(audio)).toBe(1100);
    expect(isSpeech(audio.subarray(0, FRAME_BYTES))).toBe(true);
    expect(isSpeech(silence(20))).toBe(false);
    expect(silence(20)).toHaveLength(FRAME_BYTES);
  });
});
