/**
 * One HTTP exchange with a CRM, classified the way the sync workflow needs: a 2xx answer, a
 * failure a retry can fix (network, 408, 429, 5xx, with the server's Retry-After), or a rejection
 * it cannot (any other 4xx). Failures carry the request and response for the dead-letter row.
 */

export interface CrmExchange {
  request: { method: string; url: string; headers: Record<string, string>; body?: unknown };
  response?: { status: number; body: unknown };
}

export class CrmRequestError extends Error {
  override name = 'CrmRequestError';

  constructor(
    readonly crm: string,
    message: string,
    readonly retryable: boolean,
    readonly exchange: CrmExchange,
    /** From the response's Retry-After header, when it had one. */
    readonly retryAfterMs?: number,
  ) {
    super(`${crm}: ${message}`);
  }

  get status(): number | undefined {
    return this.exchange.response?.status;
  }
}

export interface CrmFetchOptions {
  crm: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is already a string. */
  body?: unknown;
  timeoutMs: number;
  /** Statuses the caller handles itself instead of receiving an error (e.g. Zoho's 401). */
  passThrough?: number[];
  /** Kept in the exchange (dead letters, logs) instead of `url` when the URL carries secrets. */
  recordedUrl?: string;
}

const SECRET_HEADERS = new Set(['authorization', 'x-switchboard-signature']);

/** 408 and 429 are the only 4xx that can succeed unchanged later (RFC 9110 §15.5.9, RFC 6585 §4). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or bad. */
export function parseRetryAfterMs(value: string | null, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export async function crmFetch(options: CrmFetchOptions): Promise<{ status: number; body: unknown }> {
  const body =
    options.body === undefined || typeof options.body === 'string'
      ? options.body
      : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  const exchange: CrmExchange = {
    request: {
      method: options.method,
      url: options.recordedUrl ?? options.url,
      headers: redact(headers),
      body: options.body,
    },
  };
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: options.method,
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new CrmRequestError(options.crm, `request failed: ${message}`, true, exchange);
  }
  const parsed = await readBody(response);
  exchange.response = { status: response.status, body: parsed };
  if (response.ok || options.passThrough?.includes(response.status)) {
    return { status: response.status, body: parsed };
  }
  const retryable = isRetryableStatus(response.status);
  throw new CrmRequestError(
    options.crm,
    `${options.method} ${new URL(options.url).pathname} answered ${response.status}`,
    retryable,
    exchange,
    retryable ? parseRetryAfterMs(response.headers.get('retry-after')) : undefined,
  );
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    // Proxies and outages answer HTML; keep enough of it to diagnose, not the whole page.
    return text.slice(0, 2000);
  }
}

function redact(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, SECRET_HEADERS.has(k.toLowerCase()) ? '[redacted]' : v]),
  );
}
