import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CrmCallRecord } from '../../../src/domain/crm.ts';
import { createLogger } from '../../../src/logger.ts';
import { CrmRequestError } from '../../../src/providers/crm/http.ts';
import { verifyWebhookSignature } from '../../../src/providers/crm/signature.ts';
import { createWebhookCrm } from '../../../src/providers/crm/webhook.ts';
import { type CrmSim, startCrmSim } from '../../../src/sim/crm/server.ts';
import { sampleRecord } from './record.ts';

const logger = createLogger('silent');
let sim: CrmSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The receiver recipe exactly as docs/post-call-and-crm.md spells it, written independently of src/. */
function verifyAsDocumented(secret: string, rawBody: string, header: string, nowSec: number): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSec - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Captures what the adapter sends, so the test sees the exact bytes and headers. */
async function captureOneDelivery(record: CrmCallRecord, secret: string) {
  let seen: { headers: Headers; body: string } | undefined;
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      seen = { headers, body: Buffer.concat(chunks).toString('utf8') };
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"rcv_1"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const crm = createWebhookCrm({
    url: `http://127.0.0.1:${port}/hook`,
    secret,
    logger,
    nowSec: () => 1_800_000_000,
  });
  const result = await crm.push(record);
  await new Promise<void>((r) => server.close(() => r()));
  if (!seen) throw new Error('nothing was delivered');
  return { ...seen, result };
}

describe('generic webhook CRM', () => {
  it('signs the exact body so the documented receiver recipe verifies it, and sends the idempotency key', async () => {
    const secret = 'whsec_0123456789abcdef';
    const record = sampleRecord('crm:call-a:1');
    const { headers, body, result } = await captureOneDelivery(record, secret);
    const signature = headers.get('x-switchboard-signature') as string;
    expect(signature).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(headers.get('idempotency-key')).toBe('crm:call-a:1');
    expect(JSON.parse(body)).toEqual({ type: 'call.analyzed', data: record });
    expect(result).toEqual({ externalId: 'rcv_1' });

    expect(verifyAsDocumented(secret, body, signature, 1_800_000_010)).toBe(true);
    expect(verifyAsDocumented(secret, body.replace('call-a', 'call-b'), signature, 1_800_000_010)).toBe(
      false,
    );
    expect(verifyAsDocumented('another-secret-value', body, signature, 1_800_000_010)).toBe(false);
    expect(verifyAsDocumented(secret, body, signature, 1_800_000_000 + 301)).toBe(false);
    // The library verifier (used by the simulated receiver) agrees with the recipe.
    expect(
      verifyWebhookSignature({ secret, rawBody: body, header: signature, nowSec: 1_800_000_010 }),
    ).toEqual({
      ok: true,
    });
    expect(
      verifyWebhookSignature({ secret, rawBody: `${body} `, header: signature, nowSec: 1_800_000_010 }),
    ).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('is refused by a receiver with another secret, and a 4xx is not retryable', async () => {
    sim = await startCrmSim({ webhookSecret: 'the-receivers-secret' });
    const crm = createWebhookCrm({ url: sim.webhookUrl, secret: 'not-the-same-secret', logger });
    const error = await crm.push(sampleRecord('crm:call-b:1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmRequestError);
    expect(error).toMatchObject({ retryable: false, status: 401 });
    expect(sim.signatureFailures).toEqual(['signature mismatch']);
    expect(sim.ledger.writes).toHaveLength(0);
  });

  it('classifies 503 with Retry-After, 429 and network errors as retryable; a second delivery writes nothing new', async () => {
    sim = await startCrmSim({ faults: { outageUntilMs: Date.now() + 60_000, retryAfterSec: 7 } });
    const crm = createWebhookCrm({ url: sim.webhookUrl, secret: sim.webhookSecret, logger });
    const record = sampleRecord('crm:call-c:1');
    await expect(crm.push(record)).rejects.toMatchObject({
      retryable: true,
      status: 503,
      retryAfterMs: 7000,
    });
    sim.faults.outageUntilMs = 0;
    sim.faults.errorRate = 1;
    sim.faults.errorStatus = 429;
    await expect(crm.push(record)).rejects.toMatchObject({ retryable: true, status: 429 });
    sim.faults.errorRate = 0;
    const first = await crm.push(record);
    const second = await crm.push(record);
    expect(second).toEqual(first);
    expect(sim.ledger.callWritesFor('crm:call-c:1')).toHaveLength(1);
    expect(sim.ledger.requestsFor('crm:call-c:1').map((r) => r.status)).toEqual([503, 429, 200, 200]);

    const closed = createWebhookCrm({
      url: 'http://127.0.0.1:9/unreachable',
      secret: 'x'.repeat(16),
      logger,
    });
    await expect(closed.push(record)).rejects.toMatchObject({ retryable: true, status: undefined });
  });
});
