import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ProviderError, type ProviderErrorKind } from '../../domain/errors.ts';

/** Translates whatever the SDK or the HTTP stream threw into a ProviderError. */
export function toProviderError(provider: string, error: unknown, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (signal?.aborted || error instanceof APIUserAbortError) {
    return new ProviderError(provider, 'aborted', 'request aborted', { cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError(provider, 'timeout', message, { cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError(provider, 'unavailable', message, { cause: error });
  }
  if (error instanceof APIError) {
    const kind = error.status === undefined ? 'unavailable' : kindForStatus(error.status, error.code);
    const options = error.status === undefined ? { cause: error } : { cause: error, status: error.status };
    return new ProviderError(provider, kind, message, options);
  }
  // The SDK parses each SSE frame itself; a frame that is not JSON means a broken server.
  if (error instanceof SyntaxError) return new ProviderError(provider, 'protocol', message, { cause: error });
  // undici reports a connection cut mid-body as TypeError("terminated").
  return new ProviderError(provider, 'unavailable', message, { cause: error });
}

export function kindForStatus(status: number, code?: string | null): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth';
  // An exhausted quota also arrives as 429 but waiting does not help: it is a billing problem.
  if (status === 429) return code === 'insufficient_quota' ? 'auth' : 'rate-limit';
  if (status === 408) return 'timeout';
  if (status >= 500 || status === 409) return 'unavailable';
  return 'bad-request';
}
