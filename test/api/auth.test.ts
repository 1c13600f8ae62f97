import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_ROLES } from '../../src/api/auth/roles.ts';
import { type ApiHarness, startApi } from './support.ts';

/** A concrete URL for a route pattern: any well-formed id, so auth runs before any lookup. */
function concrete(url: string): string {
  return url
    .replace(':callSid', `CA${'0'.repeat(32)}`)
    .replace(':phone', encodeURIComponent('+14155550123'))
    .replace(/:[A-Za-z]+/g, () => randomUUID())
    .replace('/*', '/anything');
}

describe('admin API: authentication and authorisation', () => {
  let api: ApiHarness;
  let clock = new Date('2026-01-05T12:00:00Z').getTime();

  beforeAll(async () => {
    api = await startApi({
      now: () => new Date(clock),
      settings: { rateLimits: { read: { perMinute: 5 }, mutate: { perMinute: 2 } } },
    });
  });
  afterAll(() => api?.close());

  it('refuses every non-public route without a key (401) and with a role it does not allow (403)', async () => {
    const routes = api.app.routeInventory;
    const declaredPublic = routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`);
    expect(declaredPublic.sort()).toEqual(
      [
        'GET /api/v1/docs',
        'GET /api/v1/docs/app.js',
        'GET /health',
        'GET /ready',
        'HEAD /api/v1/docs',
        'HEAD /api/v1/docs/app.js',
        'HEAD /health',
        'HEAD /ready',
        'OPTIONS /*',
      ].sort(),
    );
    const secured = routes.filter((r) => r.access !== 'public');
    expect(secured.length).toBeGreaterThan(30);
    for (const route of secured) {
      const url = concrete(route.url);
      const method = route.method as 'GET';
      const anonymous = await api.app.inject({ method, url });
      expect(anonymous.statusCode, `${route.method} ${route.url} without a key`).toBe(401);
      clock += 60_000; // keep the failed-authentication meter out of this test
      const refused = ALL_ROLES.filter((role) => !(route.access ?? []).includes(role));
      for (const role of refused) {
        const res = await api.as(role, { method, url });
        expect(res.statusCode, `${route.method} ${route.url} as ${role}`).toBe(403);
        clock += 60_000; // keep the rate limiter out of this test
      }
    }
  });

  it('shows a new key once, stores only its sha256 hash, and refuses it once revoked', async () => {
    clock += 3_600_000;
    const created = await api.as('admin', {
      method: 'POST',
      url: '/api/v1/keys',
      payload: { name: 'ops laptop', role: 'viewer' },
    });
    expect(created.statusCode).toBe(201);
    const { key, id, prefix } = created.json() as { key: string; id: string; prefix: string };
    expect(key).toMatch(/^sb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`sb_${prefix}_`)).toBe(true);

    const row = await api.prisma.apiKey.findUniqueOrThrow({ where: { id } });
    const { createHash } = await import('node:crypto');
    expect(row.hash).toBe(createHash('sha256').update(key).digest('hex'));
    const stored = JSON.stringify(await api.prisma.$queryRaw`SELECT * FROM api_keys`);
    expect(stored).not.toContain(key.slice(16));

    const listed = await api.as('admin', { method: 'GET', url: '/api/v1/keys' });
    expect(listed.body).not.toContain(key.slice(16));
    expect(listed.body).toContain(prefix);

    expect((await api.as(key, { method: 'GET', url: '/api/v1/calls' })).statusCode).toBe(200);
    const revoked = await api.as('admin', { method: 'DELETE', url: `/api/v1/keys/${id}` });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).not.toBeNull();
    const after = await api.as(key, { method: 'GET', url: '/api/v1/calls' });
    expect(after.statusCode).toBe(401);
    expect(after.json().error).toMatchObject({ status: 401, code: 'unauthenticated' });

    const audit = await api.prisma.auditLogEntry.findMany({ where: { target: `api_key:${id}` } });
    expect(audit.map((a) => a.action).sort()).toEqual(['key.create', 'key.revoke']);
    const failure = await api.prisma.auditLogEntry.findFirst({
      where: { action: 'auth.failed', actorKeyId: id },
    });
    expect(failure).toMatchObject({ details: { reason: 'revoked' }, target: 'GET /api/v1/calls' });
    expect(failure?.requestId).toBe(after.json().error.requestId);
  });

  it('refuses malformed and forged keys, auditing each failure without the key', async () => {
    clock += 3_600_000;
    const forged = `sb_${'a'.repeat(12)}_${'B'.repeat(43)}`;
    for (const key of ['nonsense', forged]) {
      const res = await api.as(key, { method: 'GET', url: '/api/v1/agents' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    const rows = await api.prisma.auditLogEntry.findMany({ where: { action: 'auth.failed' } });
    const reasons = rows.map((r) => (r.details as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(['malformed', 'unknown', 'missing']));
    expect(JSON.stringify(rows)).not.toContain('B'.repeat(43));
    expect(api.logs.text()).not.toContain('B'.repeat(43));
  });

  it('rate-limits per key with exact counts, retry-after, and a stricter bucket for mutations', async () => {
    clock += 3_600_000; // every bucket full again
    const codes: number[] = [];
    for (let i = 0; i < 8; i++)
      codes.push((await api.as('viewer', { method: 'GET', url: '/api/v1/agents' })).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = await api.as('viewer', { method: 'GET', url: '/api/v1/agents' });
    expect(limited.headers['retry-after']).toBe('12');
    expect(limited.json().error.code).toBe('rate_limited');
    // Another key is unaffected.
    expect((await api.as('campaign_manager', { method: 'GET', url: '/api/v1/agents' })).statusCode).toBe(200);
    // One token back after 12 s (5 per minute).
    clock += 12_000;
    expect((await api.as('viewer', { method: 'GET', url: '/api/v1/agents' })).statusCode).toBe(200);
    expect((await api.as('viewer', { method: 'GET', url: '/api/v1/agents' })).statusCode).toBe(429);

    const adds = [];
    for (let i = 0; i < 4; i++) {
      adds.push(
        (
          await api.as('campaign_manager', {
            method: 'POST',
            url: '/api/v1/dnc',
            payload: { phone: `+1415555010${i}` },
          })
        ).statusCode,
      );
    }
    expect(adds).toEqual([201, 201, 429, 429]);
    expect(await api.prisma.doNotCallEntry.count()).toBe(2);
  });

  it('meters failed authentications per client address, then stops auditing them', async () => {
    clock += 3_600_000;
    const before = await api.prisma.auditLogEntry.count({ where: { action: 'auth.failed' } });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++)
      codes.push((await api.as('garbage', { method: 'GET', url: '/api/v1/calls' })).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(await api.prisma.auditLogEntry.count({ where: { action: 'auth.failed' } })).toBe(before + 5);
    // A valid key from the same address is not affected by the flood.
    expect((await api.as('admin', { method: 'GET', url: '/api/v1/calls' })).statusCode).toBe(200);
  });

  it('sets security headers, echoes a request id, and allows CORS only for listed origins', async () => {
    const res = await api.app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'https://evil.example' },
    });
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': expect.stringContaining("default-src 'none'"),
      'cache-control': 'no-store',
    });
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await api.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/calls',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(403);
  });
});

describe('admin API: per-route rate limits', () => {
  let api: ApiHarness;
  const clock = new Date('2026-01-05T12:00:00Z').getTime();
  beforeAll(async () => {
    api = await startApi({
      now: () => new Date(clock),
      settings: { rateLimits: { read: { perMinute: 100 }, mutate: { perMinute: 100 } } },
    });
  });
  afterAll(() => api?.close());

  it('gives a costly route its own stricter bucket per key (dead-letter replay: 10 a minute)', async () => {
    const replay = () =>
      api.as('admin', { method: 'POST', url: `/api/v1/dead-letters/${randomUUID()}/replay` });
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await replay()).statusCode);
    // 404: unknown dead letters, after the limiter let them through.
    expect(codes).toEqual([...Array(10).fill(404), 429, 429]);
    // Other mutations of the same key still have their own, larger budget.
    expect(
      (await api.as('admin', { method: 'POST', url: '/api/v1/dnc', payload: { phone: '+14155550177' } }))
        .statusCode,
    ).toBe(201);
  });
});

describe('admin API: CORS allowlist', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ settings: { corsOrigins: ['https://console.example'] } });
  });
  afterAll(() => api?.close());

  it('answers preflights and responses for an allowlisted origin', async () => {
    const preflight = await api.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/calls',
      headers: { origin: 'https://console.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://console.example');
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
    const res = await api.as('viewer', {
      method: 'GET',
      url: '/api/v1/calls',
      headers: { origin: 'https://console.example' },
    });
    expect(res.headers['access-control-allow-origin']).toBe('https://console.example');
  });
});
