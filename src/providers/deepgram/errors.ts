import { DeepgramError, DeepgramTimeoutError } from '@deepgram/sdk';
import { ProviderError, type ProviderErrorKind } from '../../domain/errors.ts';
import { PROVIDER } from './client.ts';

export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate-limit';
  if (status >= 500) return 'unavailable';
  if (status >= 400) return 'bad-request';
  return 'protocol';
}

/**
 * The SDK reports a refused WebSocket handshake only as the `ws` library's error text
 * ("Unexpected server response: 401"), so the status is recovered from the message.
 */
export function handshakeError(error: Error): ProviderError {
  const status = /Unexpected server response: (\d{3})/.exec(error.message)?.[1];
  if (status) {
    const code = Number(status);
    return new ProviderError(PROVIDER, kindForStatus(code), `handshake refused with HTTP ${code}`, {
      cause: error,
      status: code,
    });
  }
  if (error.message === 'TIMEOUT') {
    return new ProviderError(PROVIDER, 'timeout', 'connect timed out', { cause: error });
  }
  return new ProviderError(PROVIDER, 'unavailable', `connect failed: ${error.message}`, { cause: error });
}

/** A live socket the vendor (or the network) closed while we still wanted it. */
export function unexpectedCloseError(code: number | undefined, reason: string, cause?: Error): ProviderError {
  // 1008 is Deepgram's "policy violation" (audio it cannot decode): reconnecting will not help.
  const kind: ProviderErrorKind = code === 1008 ? 'bad-request' : 'unavailable';
  const text = `stream closed unexpectedly (code ${code ?? 'none'}${reason ? `, ${reason}` : ''})`;
  return new ProviderError(PROVIDER, kind, cause ? `${text}: ${cause.message}` : text, {
    cause,
    status: code,
  });
}

/** Translates what the REST client throws (speak) into a ProviderError. */
export function restError(error: unknown, signal: AbortSignal | undefined): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal?.aborted) return new ProviderError(PROVIDER, 'aborted', 'request aborted', { cause: error });
  if (error instanceof DeepgramTimeoutError) {
    return new ProviderError(PROVIDER, 'timeout', error.message, { cause: error });
  }
  if (error instanceof DeepgramError && error.statusCode !== undefined) {
    const detail = describeBody(error.body);
    return new ProviderError(
      PROVIDER,
      kindForStatus(error.statusCode),
      `HTTP ${error.statusCode}${detail ? `: ${detail}` : ''}`,
      { cause: error, status: error.statusCode },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(PROVIDER, 'unavailable', message, { cause: error });
}

function describeBody(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'err_msg' in body)
    return String((body as { err_msg: unknown }).err_msg);
  return typeof body === 'string' ? body.slice(0, 200) : undefined;
}
