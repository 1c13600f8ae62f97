import type { Deepgram } from '@deepgram/sdk';
import type { SttEvent } from '../ports.ts';

type Results = Deepgram.listen.ListenV1Results;
type SpeechStarted = Deepgram.listen.ListenV1SpeechStarted;
type UtteranceEnd = Deepgram.listen.ListenV1UtteranceEnd;

const toMs = (seconds: number | undefined): number | undefined =>
  typeof seconds === 'number' && Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;

/** The vendor message type, if the payload is a JSON object carrying one. */
export function messageType(message: unknown): string | undefined {
  if (message && typeof message === 'object' && 'type' in message) {
    const { type } = message as { type: unknown };
    return typeof type === 'string' ? type : undefined;
  }
  return undefined;
}

function fromResults(m: Results): SttEvent | undefined {
  const alt = m.channel?.alternatives?.[0];
  const text = alt?.transcript?.trim() ?? '';
  // Deepgram sends empty results for silence and for a Finalize with nothing buffered.
  if (text.length === 0) return undefined;
  return {
    type: 'transcript',
    text,
    isFinal: m.is_final === true,
    speechFinal: m.speech_final === true,
    confidence: alt?.confidence,
    startMs: toMs(m.start),
    durationMs: toMs(m.duration),
  };
}

/**
 * Maps one live-STT message to a session event. Metadata (the stream summary) and unknown types
 * map to nothing; the caller logs them.
 */
export function toSttEvent(message: unknown): SttEvent | undefined {
  switch (messageType(message)) {
    case 'Results':
      return fromResults(message as Results);
    case 'SpeechStarted':
      return { type: 'speech-started', timestampMs: toMs((message as SpeechStarted).timestamp) };
    case 'UtteranceEnd':
      return { type: 'utterance-end', lastWordEndMs: toMs((message as UtteranceEnd).last_word_end) };
    default:
      return undefined;
  }
}
