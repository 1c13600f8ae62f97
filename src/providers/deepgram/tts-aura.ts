import { ProviderError } from '../../domain/errors.ts';
import type { Logger } from '../../logger.ts';
import type { TextToSpeech, TtsRequest } from '../ports.ts';
import { createDeepgramClient, PROVIDER } from './client.ts';
import { restError } from './errors.ts';

export interface DeepgramAuraOptions {
  apiKey: string;
  /** http(s) origin of Deepgram or a stand-in. */
  baseUrl?: string;
  logger: Logger;
  /** Longest wait from request to the first audio byte; a slow start is as bad as none on a call. */
  firstByteTimeoutMs?: number;
  /** Used when a request names no voice. */
  defaultVoice?: string;
}

const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 5000;
const DEFAULT_VOICE = 'aura-2-thalia-en';

/**
 * Aura text to speech over the REST speak endpoint, asking for headerless mu-law at 8 kHz
 * (`container=none`, or Deepgram wraps it in a WAV header that plays as a click on Twilio).
 * The body is streamed, so playback can start with the first chunk.
 */
export function createDeepgramAuraTts(options: DeepgramAuraOptions): TextToSpeech {
  const client = createDeepgramClient(options.apiKey, options.baseUrl);
  const logger = options.logger.child({ provider: PROVIDER, api: 'aura' });
  const firstByteTimeoutMs = options.firstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS;

  async function* synthesize(request: TtsRequest): AsyncGenerator<Uint8Array> {
    if (request.signal?.aborted) throw new ProviderError(PROVIDER, 'aborted', 'request aborted before start');
    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let firstByteTimedOut = false;
    const timer = setTimeout(() => {
      firstByteTimedOut = true;
      controller.abort();
    }, firstByteTimeoutMs);
    const model = request.voiceId || request.model || options.defaultVoice || DEFAULT_VOICE;
    let bytes = 0;
    try {
      const response = await client.speak.v1.audio.generate(
        { text: request.text, model, encoding: 'mulaw', sample_rate: 8000, container: 'none' },
        { abortSignal: controller.signal, maxRetries: 0 },
      );
      const body = response.stream();
      if (!body) throw new ProviderError(PROVIDER, 'protocol', 'speak response has no body');
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(timer);
        if (chunk.length === 0) continue;
        bytes += chunk.length;
        yield chunk;
      }
      logger.debug({ model, bytes }, 'aura synthesis complete');
    } catch (error) {
      if (firstByteTimedOut && bytes === 0) {
        throw new ProviderError(PROVIDER, 'timeout', `no audio within ${firstByteTimeoutMs} ms`, {
          cause: error,
        });
      }
      throw restError(error, request.signal);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      // Also releases the connection when the consumer stops iterating early (barge-in).
      controller.abort();
    }
  }

  return { name: `${PROVIDER}-aura`, synthesize };
}
