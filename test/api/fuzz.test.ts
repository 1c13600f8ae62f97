import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './support.ts';

/** Routes that need Temporal answer 503 "unavailable" here, where none is configured. */
const NEEDS_TEMPORAL = /^\/api\/v1\/(workflows|dead-letters\/:id\/replay)/;

const segment = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('+14155550123', 'CA0123456789abcdef', "' OR 1=1 --", '%00', '..', '-1', '9'.repeat(30)),
);
const value = fc.oneof(
  segment,
  fc.integer().map(String),
  fc.constantFrom('', 'true', '2026-01-01T00:00:00Z', '[]'),
);
const query = fc.dictionary(
  fc.constantFrom(
    'limit',
    'cursor',
    'from',
    'to',
    'status',
    'direction',
    'q',
    'phone',
    'customerPhone',
    'campaignId',
    'pageToken',
    'pageSize',
    'callSid',
    'after',
    'x',
  ),
  value,
  { maxKeys: 4 },
);

describe('admin API: fuzzed params, queries and bodies', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({
      settings: { rateLimits: { read: { perMinute: 1e9 }, mutate: { perMinute: 1e9 } } },
    });
  });
  afterAll(() => api?.close());

  it('never answers 5xx (other than 503 where Temporal is absent) and always with the error shape', async () => {
    const routes = api.app.routeInventory.filter(
      (r) => r.access !== 'public' && r.method !== 'HEAD' && !r.url.endsWith('/live'),
    );
    let requests = 0;
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(segment, { minLength: 3, maxLength: 3 }),
          query,
          fc.oneof(fc.jsonValue(), fc.string(), fc.constant(undefined)),
          async (params, q, body) => {
            let i = 0;
            const path = route.url.replace(/:[A-Za-z]+/g, () => encodeURIComponent(params[i++] ?? ''));
            const search = new URLSearchParams(q).toString();
            const res = await api.as('admin', {
              method: route.method as 'GET',
              url: search ? `${path}?${search}` : path,
              ...(route.method === 'GET' || body === undefined
                ? {}
                : typeof body === 'string'
                  ? { payload: body, headers: { 'content-type': 'text/csv' } }
                  : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
            });
            requests++;
            const where = `${route.method} ${route.url} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
            if (res.statusCode === 503) expect(NEEDS_TEMPORAL.test(route.url), where).toBe(true);
            else expect(res.statusCode, where).toBeLessThan(500);
            if (res.statusCode >= 400) {
              expect(res.json().error, where).toMatchObject({
                status: res.statusCode,
                code: expect.any(String),
              });
            }
          },
        ),
        { numRuns: 40, seed: 20261122 },
      );
    }
    expect(requests).toBe(routes.length * 40);
  });
});
