import type { Logger } from '../../logger.ts';
import { CrmRequestError, crmFetch } from './http.ts';

export interface ZohoOAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** The accounts server of the data centre, e.g. https://accounts.zoho.eu. */
  accountsUrl: string;
  logger: Logger;
  timeoutMs: number;
  now?: () => number;
}

/**
 * Refresh this long before Zoho's stated expiry so a token never dies in flight: a minute, or a
 * tenth of the lifetime for short-lived tokens (test servers hand out seconds-long ones).
 */
const MAX_EXPIRY_SKEW_MS = 60_000;

/**
 * Zoho access tokens live an hour; the refresh token does not expire. This keeps the current
 * access token in memory, refreshes it when it is about to expire or Zoho rejects it, and lets
 * concurrent writes share one refresh. Nobody edits an env var when a token expires.
 */
export class ZohoTokenCache {
  private token?: { value: string; refreshAtMs: number };
  private refreshing?: Promise<string>;
  private readonly now: () => number;
  refreshCount = 0;

  constructor(private readonly options: ZohoOAuthOptions) {
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<string> {
    if (this.token && this.now() < this.token.refreshAtMs) return this.token.value;
    return this.refresh();
  }

  /** Forgets `rejected` (if still current) and fetches a new token. */
  async invalidate(rejected: string): Promise<string> {
    if (this.token?.value === rejected) this.token = undefined;
    return this.get();
  }

  private refresh(): Promise<string> {
    this.refreshing ??= this.fetchToken().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async fetchToken(): Promise<string> {
    const o = this.options;
    const url = new URL(`${o.accountsUrl.replace(/\/$/, '')}/oauth/v2/token`);
    url.search = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: o.clientId,
      client_secret: o.clientSecret,
      refresh_token: o.refreshToken,
    }).toString();
    // Zoho takes the grant as query parameters; only the bare URL may end up in a dead letter.
    const recordedUrl = `${url.origin}${url.pathname}`;
    const { body } = await crmFetch({
      crm: 'zoho',
      method: 'POST',
      url: url.toString(),
      recordedUrl,
      timeoutMs: o.timeoutMs,
    });
    const answer = (body ?? {}) as { access_token?: string; expires_in?: number; error?: string };
    // Zoho reports a bad refresh token as HTTP 200 with an `error` field.
    if (!answer.access_token) {
      const exchange = { request: { method: 'POST', url: recordedUrl, headers: {} } };
      throw new CrmRequestError(
        'zoho',
        `token refresh refused: ${answer.error ?? 'no access_token'}`,
        false,
        {
          ...exchange,
          response: { status: 200, body: { error: answer.error ?? null } },
        },
      );
    }
    this.refreshCount += 1;
    const lifetimeMs = (answer.expires_in ?? 3600) * 1000;
    const skewMs = Math.min(MAX_EXPIRY_SKEW_MS, lifetimeMs / 10);
    this.token = { value: answer.access_token, refreshAtMs: this.now() + lifetimeMs - skewMs };
    o.logger.info({ expiresInSec: answer.expires_in }, 'zoho access token refreshed');
    return answer.access_token;
  }
}
