/**
 * How much of a sentence the caller heard, from how much of its audio played. Speech rate is
 * close enough to even across a sentence that the byte ratio maps to a character ratio; we round
 * down to a whole word so the history never claims a word the caller did not hear in full.
 */

/** μ-law at 8 kHz: 8 bytes per ms. */
export const MULAW_BYTES_PER_MS = 8;
/** Typical TTS speaking rate, used only to guess the length of a sentence still being synthesised. */
const CHARS_PER_SECOND = 14;

/** A guess of the audio a sentence will take, for when its synthesis was cut short. */
export function estimateSpeechBytes(text: string): number {
  return Math.ceil((text.length / CHARS_PER_SECOND) * 1000 * MULAW_BYTES_PER_MS);
}

/** The whole words of `text` that fit in its first `ratio` (0..1) of characters. */
export function heardPrefix(text: string, ratio: number): string {
  if (!(ratio > 0)) return '';
  if (ratio >= 1) return text;
  const cutAt = Math.floor(text.length * ratio);
  if (cutAt >= text.length) return text;
  if (/\s/.test(text[cutAt] as string)) return text.slice(0, cutAt).trimEnd();
  const lastSpace = text.slice(0, cutAt + 1).search(/\s\S*$/);
  return lastSpace <= 0 ? '' : text.slice(0, lastSpace).trimEnd();
}

/** Heard text for one utterance, given played bytes and what we know of its total. */
export function heardFromBytes(
  text: string,
  playedBytes: number,
  totalBytes: number,
  complete: boolean,
): string {
  const total = complete ? totalBytes : Math.max(totalBytes, estimateSpeechBytes(text));
  if (total <= 0) return '';
  return heardPrefix(text, playedBytes / total);
}
