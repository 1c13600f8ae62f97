import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './support.ts';

/**
 * S5 for the admin API: unique canaries planted in credentials, signature-like headers, bodies,
 * query strings, paths and error paths never reach the captured pino output, nor do full phone
 * numbers. Requests are sent as a caller would, through the real routes and error handler.
 */
describe('admin API: secrets planted in requests never appear in the logs', () => {
  let api: ApiHarness;
  const canary = (what: string) => `canary${what}${Math.random().toString(36).slice(2, 12)}`;
  const planted: string[] = [];
  const plant = (what: string) => {
    const c = canary(what);
    planted.push(c);
    return c;
  };
  // Full numbers, and their national part as a formatter might print them.
  const phones = ['+14155550187', '+14155550142', '+14155550163', '+14155550171'];

  beforeAll(async () => {
    api = await startApi();
  }, 120_000);
  afterAll(() => api?.close());

  it('logs requests with and without valid credentials, leaking none of what they carried', async () => {
    const [bodyPhone, queryPhone, pathPhone, badBodyPhone] = phones as [string, string, string, string];
    const twilioSignature = plant('sig');
    const apiKeyHeader = plant('xapikey');
    const cookie = plant('cookie');
    const wrongSecret = `${plant('wrong')}${'Q'.repeat(20)}`.slice(0, 43);
    const wrongKey = `sb_${'a'.repeat(12)}_${wrongSecret}`;
    const malformed = plant('malformed');
    const basic = plant('basic');
    const queryToken = plant('querytoken');
    const bodyToken = plant('bodytoken');
    const badJson = plant('badjson');
    const extra = {
      'x-twilio-signature': twilioSignature,
      'x-api-key': apiKeyHeader,
      cookie: `session=${cookie}`,
    };

    const codes: Record<string, number> = {};
    const send = async (label: string, role: string, opts: Parameters<ApiHarness['as']>[1]) => {
      codes[label] = (await api.as(role, { ...opts, headers: { ...extra, ...opts.headers } })).statusCode;
    };
    // Valid key; phone in the body, the query and the path.
    await send('dnc add', 'campaign_manager', {
      method: 'POST',
      url: '/api/v1/dnc',
      payload: { phone: bodyPhone },
    });
    await send('customers by phone', 'viewer', {
      method: 'GET',
      url: `/api/v1/customers?phone=${encodeURIComponent(queryPhone)}`,
    });
    await send('dnc delete', 'campaign_manager', {
      method: 'DELETE',
      url: `/api/v1/dnc/${encodeURIComponent(pathPhone)}`,
    });
    // Error paths: unknown fields carrying secrets, broken JSON echoing its text, an unknown route.
    await send('dnc invalid', 'campaign_manager', {
      method: 'POST',
      url: '/api/v1/dnc',
      payload: { phone: badBodyPhone, token: bodyToken, password: bodyToken },
    });
    await send('bad json', 'campaign_manager', {
      method: 'POST',
      url: '/api/v1/dnc',
      headers: { 'content-type': 'application/json' },
      payload: `{"phone": "${badBodyPhone}", "token": "${badJson}`,
    });
    await send('unknown route', 'viewer', {
      method: 'GET',
      url: `/api/v1/nowhere/${encodeURIComponent(pathPhone)}?token=${queryToken}`,
    });
    // Wrong, malformed and non-bearer credentials.
    await send('wrong key', wrongKey, { method: 'GET', url: '/api/v1/agents' });
    await send('malformed key', malformed, { method: 'GET', url: '/api/v1/agents' });
    codes['basic auth'] = (
      await api.app.inject({
        method: 'GET',
        url: `/api/v1/agents?api_key=${queryToken}`,
        headers: { ...extra, authorization: `Basic ${Buffer.from(`admin:${basic}`).toString('base64')}` },
      })
    ).statusCode;
    // A key created through the API: its secret is in the response, never in the log.
    const created = await api.as('admin', {
      method: 'POST',
      url: '/api/v1/keys',
      payload: { name: 'canary key', role: 'viewer' },
    });
    const newKey = created.json().key as string;

    expect(codes).toEqual({
      'dnc add': 201,
      'customers by phone': 200,
      'dnc delete': 404, // never listed: the path phone goes through the not-found path
      'dnc invalid': 400,
      'bad json': 400,
      'unknown route': 404,
      'wrong key': 401,
      'malformed key': 401,
      'basic auth': 401,
    });
    expect(created.statusCode).toBe(201);
    expect(newKey).toMatch(/^sb_/);

    const logs = api.logs.text();
    // The requests were logged (one line each, by route pattern), so an empty log cannot pass.
    expect(api.logs.lines.length).toBeGreaterThanOrEqual(10);
    expect(logs).toContain('"route":"/api/v1/dnc/:phone"');
    expect(logs).toContain('"status":401');
    const leaks = [
      ...planted,
      wrongSecret,
      Buffer.from(`admin:${basic}`).toString('base64'),
      newKey,
      newKey.slice(16),
      ...Object.values(api.keys).flatMap(({ key }) => [key, key.slice(16)]),
      ...phones,
      ...phones.map((p) => p.slice(2)),
      ...phones.map((p) => encodeURIComponent(p)),
    ].filter((s) => logs.includes(s));
    expect(leaks).toEqual([]);
  }, 120_000);
});
