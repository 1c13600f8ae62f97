/**
 * Server → client messages of Deepgram live STT, with the field names and types of
 * protocols.md 2.2. Times on the wire are seconds (floats); the sim keeps ms internally.
 */

export interface SimWord {
  word: string;
  startMs: number;
  endMs: number;
}

export interface ResultsInput {
  requestId: string;
  model: string;
  startMs: number;
  durationMs: number;
  words: SimWord[];
  isFinal: boolean;
  speechFinal: boolean;
  fromFinalize?: boolean;
}

const CONFIDENCE = 0.98;
/** A fixed, obviously fake model UUID so recordings show which transcripts came from the sim. */
export const SIM_MODEL_UUID = '00000000-0000-4000-8000-5157deeb6a11';

const seconds = (ms: number): number => Math.round(ms) / 1000;

export function resultsMessage(input: ResultsInput): Record<string, unknown> {
  const words = input.words.map((w) => ({
    word: w.word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ''),
    start: seconds(w.startMs),
    end: seconds(w.endMs),
    confidence: CONFIDENCE,
    punctuated_word: w.word,
  }));
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: seconds(input.durationMs),
    start: seconds(input.startMs),
    is_final: input.isFinal,
    speech_final: input.speechFinal,
    ...(input.fromFinalize ? { from_finalize: true } : {}),
    channel: {
      alternatives: [
        {
          transcript: input.words.map((w) => w.word).join(' '),
          confidence: input.words.length > 0 ? CONFIDENCE : 0,
          words,
        },
      ],
    },
    metadata: {
      request_id: input.requestId,
      model_uuid: SIM_MODEL_UUID,
      model_info: { name: `${input.model} (simulated)`, version: 'sim', arch: 'sim' },
    },
  };
}

export function speechStartedMessage(timestampMs: number): Record<string, unknown> {
  return { type: 'SpeechStarted', channel: [0], timestamp: seconds(timestampMs) };
}

export function utteranceEndMessage(lastWordEndMs: number): Record<string, unknown> {
  return { type: 'UtteranceEnd', channel: [0, 1], last_word_end: seconds(lastWordEndMs) };
}

export function metadataMessage(input: {
  requestId: string;
  model: string;
  sha256: string;
  durationMs: number;
  createdAt: Date;
}): Record<string, unknown> {
  return {
    type: 'Metadata',
    transaction_key: 'deprecated',
    request_id: input.requestId,
    sha256: input.sha256,
    created: input.createdAt.toISOString(),
    duration: seconds(input.durationMs),
    channels: 1,
    models: [SIM_MODEL_UUID],
    model_info: { [SIM_MODEL_UUID]: { name: `${input.model} (simulated)`, version: 'sim', arch: 'sim' } },
    // Not a Deepgram field: marks every stream summary as coming from the simulator.
    simulated: true,
  };
}
