import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import type { Logger } from '../../logger.ts';
import type { TextToSpeech, TtsRequest } from '../ports.ts';
import { toProviderError } from './errors.ts';
import { WavHeaderStripper } from './strip-wav-header.ts';

export interface ElevenLabsTtsOptions {
  apiKey: string;
  /** e.g. `http://127.0.0.1:P` for the simulator; defaults to the production API. */
  baseUrl?: string;
  logger: Logger;
  /** Default model; Flash is the low-latency one (~75 ms model time). */
  model?: string;
  /** 0 (none) to 4 (max, text normalisation off). Deprecated by ElevenLabs but still honoured. */
  optimizeStreamingLatency?: number;
  /** Longest wait for the response headers; the body is watched by the failover's deadlines. */
  timeoutMs?: number;
  /** Name in errors and logs; set it when two ElevenLabs accounts back a failover pair. */
  name?: string;
  /** The HTTP transport under the SDK; Node's built-in fetch when left out. */
  fetch?: typeof fetch;
}

const DEFAULT_MODEL = 'eleven_flash_v2_5';
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_NAME = 'elevenlabs';

/** HTTP streaming TTS (`/v1/text-to-speech/{voice}/stream`) as headerless 8 kHz mu-law. */
export function createElevenLabsTts(options: ElevenLabsTtsOptions): TextToSpeech {
  const client = new ElevenLabsClient({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    // Retries belong to the failover, which knows how long the caller has been waiting.
    maxRetries: 0,
    timeoutInSeconds: (options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const name = options.name ?? DEFAULT_NAME;
  const logger = options.logger.child({ provider: name });
  return {
    name,
    synthesize: (request) => synthesize(client, { ...options, name }, logger, request),
  };
}

async function* synthesize(
  client: ElevenLabsClient,
  options: ElevenLabsTtsOptions & { name: string },
  logger: Logger,
  request: TtsRequest,
): AsyncGenerator<Uint8Array> {
  // The API rejects empty text with a 400; silence is the right rendering of nothing.
  if (request.text.trim() === '') return;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let finished = false;
  try {
    const body = await client.textToSpeech.stream(
      request.voiceId,
      {
        text: request.text,
        modelId: request.model ?? options.model ?? DEFAULT_MODEL,
        outputFormat: 'ulaw_8000',
        ...(options.optimizeStreamingLatency !== undefined
          ? { optimizeStreamingLatency: options.optimizeStreamingLatency }
          : {}),
        // ElevenLabs wants ISO 639-1 ("en"), not a locale ("en-US").
        ...(request.language ? { languageCode: request.language.split('-')[0] } : {}),
      },
      { maxRetries: 0, ...(request.signal ? { abortSignal: request.signal } : {}) },
    );
    reader = body.getReader();
    yield* readAudio(reader, logger);
    finished = true;
  } catch (error) {
    const failure = toProviderError(options.name, error, request.signal);
    logger.debug({ kind: failure.kind, status: failure.status, err: error }, 'tts stream failed');
    throw failure;
  } finally {
    // Our consumer stopped early (barge-in, failover): close the HTTP stream now.
    if (reader && !finished) await reader.cancel().catch(() => undefined);
  }
}

async function* readAudio(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  logger: Logger,
): AsyncGenerator<Uint8Array> {
  const stripper = new WavHeaderStripper();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const audio = stripper.push(value);
    if (audio.length === 0) continue;
    if (stripper.stripped && bytes === 0) logger.warn('dropped a WAV header from the mu-law stream');
    bytes += audio.length;
    yield audio;
  }
  stripper.end();
}
