/**
 * G.711 mu-law helpers and synthetic "speech" for the simulated vendors. Simulated audio is a
 * tone burst whose length follows the text, so timing (how long an utterance plays, when the
 * caller falls silent) behaves like real speech while staying deterministic.
 */

export const SAMPLE_RATE = 8000;
/** 20 ms of mu-law at 8 kHz: Twilio's frame size. */
export const FRAME_BYTES = 160;
/** The mu-law byte for a zero sample: what silence looks like on the wire. */
export const MULAW_SILENCE = 0xff;

const BIAS = 0x84;
const CLIP = 32635;

export function linearToMulaw(sample: number): number {
  let s = Math.max(-CLIP, Math.min(CLIP, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
  return sign ? -magnitude : magnitude;
}

/** Squared linear value of every mu-law byte: the simulated STT checks every 20 ms frame. */
const SQUARES = Float64Array.from({ length: 256 }, (_, byte) => mulawToLinear(byte) ** 2);

/** Root mean square level of a mu-law buffer, in linear 16-bit units. */
export function rmsLevel(mulaw: Uint8Array): number {
  if (mulaw.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < mulaw.length; i++) sum += SQUARES[mulaw[i] as number] as number;
  return Math.sqrt(sum / mulaw.length);
}

/** Level above which a frame counts as speech; simulated speech sits far above, silence at 0. */
export const SPEECH_RMS_THRESHOLD = 500;

export function isSpeech(mulaw: Uint8Array): boolean {
  return rmsLevel(mulaw) > SPEECH_RMS_THRESHOLD;
}

export function silence(durationMs: number): Uint8Array {
  return new Uint8Array(Math.round((durationMs * SAMPLE_RATE) / 1000)).fill(MULAW_SILENCE);
}

export interface SpeechLikeOptions {
  /** Speaking rate: 65 ms per character is about 150 words per minute. */
  msPerChar?: number;
  /** Tone frequency; distinct voices make recordings easy to tell apart. */
  frequencyHz?: number;
  amplitude?: number;
}

/** A tone burst lasting as long as `text` would take to say; at least one 20 ms frame. */
export function speechLike(text: string, options: SpeechLikeOptions = {}): Uint8Array {
  const msPerChar = options.msPerChar ?? 65;
  const frequency = options.frequencyHz ?? 220;
  const amplitude = options.amplitude ?? 8000;
  const durationMs = Math.max(20, text.length * msPerChar);
  const samples = Math.round((durationMs * SAMPLE_RATE) / 1000);
  const out = new Uint8Array(samples);
  for (let i = 0; i < samples; i++) {
    out[i] = linearToMulaw(amplitude * Math.sin((2 * Math.PI * frequency * i) / SAMPLE_RATE));
  }
  return out;
}

/** Audio duration of a mu-law buffer in milliseconds. */
export function durationMs(mulaw: Uint8Array | number): number {
  const bytes = typeof mulaw === 'number' ? mulaw : mulaw.length;
  return (bytes * 1000) / SAMPLE_RATE;
}
