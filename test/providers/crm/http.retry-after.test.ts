import { describe, expect, it } from 'vitest';
import { isRetryableStatus, parseRetryAfterMs } from '../../../src/providers/crm/http.ts';

describe('CRM HTTP classification', () => {
  it('retries only 408, 429 and 5xx', () => {
    expect([400, 401, 403, 404, 409, 422].filter(isRetryableStatus)).toEqual([]);
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores junk', () => {
    const now = Date.parse('2026-11-22T01:00:00Z');
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs('Sun, 22 Nov 2026 01:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Sun, 22 Nov 2026 00:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});
