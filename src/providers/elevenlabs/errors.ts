import { ElevenLabsError, ElevenLabsTimeoutError } from '@elevenlabs/elevenlabs-js';
import { ProviderError, type ProviderErrorKind } from '../../domain/errors.ts';

/** Translates SDK and stream failures into ProviderError. */
export function toProviderError(provider: string, error: unknown, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  // The SDK turns an abort into a generic ElevenLabsError ("The user aborted a request").
  if (signal?.aborted) return new ProviderError(provider, 'aborted', 'request aborted', { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ElevenLabsTimeoutError) {
    return new ProviderError(provider, 'timeout', message, { cause: error });
  }
  if (error instanceof ElevenLabsError && error.statusCode !== undefined) {
    const detail = describeBody(error.body);
    return new ProviderError(provider, kindForStatus(error.statusCode), detail ?? message, {
      cause: error,
      status: error.statusCode,
    });
  }
  // Connection refused or reset, or the body cut mid-stream (undici: TypeError "terminated").
  return new ProviderError(provider, 'unavailable', message, { cause: error });
}

export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate-limit';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'unavailable';
  return 'bad-request';
}

/** ElevenLabs errors look like `{detail: {status, message}}` (or FastAPI's `{detail: [...]}`). */
function describeBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('detail' in body)) return undefined;
  const detail = (body as { detail: unknown }).detail;
  if (typeof detail === 'string') return detail;
  if (typeof detail === 'object' && detail !== null && 'message' in detail) {
    return String((detail as { message: unknown }).message);
  }
  return JSON.stringify(detail);
}
