import { DeepgramClient } from '@deepgram/sdk';

export const PROVIDER = 'deepgram';

/**
 * Builds an SDK client aimed at `baseUrl` (a simulated Deepgram, a proxy) or the real service.
 * The SDK's `environment` has separate REST and WebSocket origins; one http(s) base URL gives both.
 * REST retries are off: the call session and Temporal decide when to retry, not the SDK.
 */
export function createDeepgramClient(apiKey: string, baseUrl: string | undefined): DeepgramClient {
  if (!baseUrl) return new DeepgramClient({ apiKey, maxRetries: 0 });
  const rest = baseUrl.replace(/\/+$/, '');
  const ws = rest.replace(/^http/, 'ws');
  return new DeepgramClient({
    apiKey,
    maxRetries: 0,
    environment: { base: rest, production: ws, agent: ws, agentRest: rest },
  });
}
