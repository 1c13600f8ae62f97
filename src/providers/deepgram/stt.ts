import { ProviderError } from '../../domain/errors.ts';
import type { Logger } from '../../logger.ts';
import type { SpeechToText, SttEvent, SttOptions, SttStream } from '../ports.ts';
import { createDeepgramClient, PROVIDER } from './client.ts';
import { DeepgramLiveStream, type ListenSocket } from './stt-stream.ts';

export interface DeepgramSttOptions {
  apiKey: string;
  /** http(s) origin of Deepgram or a stand-in; the live socket uses the same origin over ws(s). */
  baseUrl?: string;
  logger: Logger;
  connectTimeoutMs?: number;
  /** How often to check for an audio gap and send KeepAlive; two intervals must stay under 10 s. */
  keepAliveIntervalMs?: number;
  /** How long close() waits for Deepgram's own close after CloseStream. */
  closeTimeoutMs?: number;
}

const DEFAULTS = { connectTimeoutMs: 5000, keepAliveIntervalMs: 3000, closeTimeoutMs: 3000 };

/** Live speech to text over Deepgram's /v1/listen WebSocket, through @deepgram/sdk v5. */
export function createDeepgramStt(options: DeepgramSttOptions): SpeechToText {
  const client = createDeepgramClient(options.apiKey, options.baseUrl);
  const timing = {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    keepAliveIntervalMs: options.keepAliveIntervalMs ?? DEFAULTS.keepAliveIntervalMs,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs,
  };
  const logger = options.logger.child({ provider: PROVIDER });

  async function open(stt: SttOptions, onEvent: (event: SttEvent) => void): Promise<SttStream> {
    let sock: ListenSocket;
    try {
      sock = await client.listen.v1.connect({
        model: stt.model,
        language: stt.language,
        encoding: 'mulaw',
        sample_rate: 8000,
        channels: 1,
        interim_results: String(stt.interimResults),
        endpointing: stt.endpointingMs,
        // Deepgram only sends UtteranceEnd alongside interim results.
        utterance_end_ms: stt.interimResults ? stt.utteranceEndMs : undefined,
        vad_events: 'true',
        smart_format: 'true',
        punctuate: 'true',
        // The call session decides whether to reconnect (and replays nothing), not the SDK.
        reconnectAttempts: 0,
        shouldReconnect: () => false,
        // Backstop only: our own timer (connectTimeoutMs) normally fires first.
        connectionTimeoutInSeconds: (timing.connectTimeoutMs * 2) / 1000,
      });
    } catch (error) {
      throw new ProviderError(PROVIDER, 'bad-request', `cannot set up stream: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const stream = new DeepgramLiveStream(sock, onEvent, logger, timing);
    await stream.start();
    logger.debug({ model: stt.model }, 'deepgram stream open');
    return stream;
  }

  return { name: PROVIDER, open };
}
