import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the
 * Stripe-style scheme: the timestamp is signed with the body, so a captured request cannot be
 * replayed later with a fresh timestamp. docs/post-call-and-crm.md gives receivers the same recipe.
 */

export const SIGNATURE_HEADER = 'X-Switchboard-Signature';
/** Receivers should reject signatures older than this (and as far in the future). */
export const DEFAULT_TOLERANCE_SEC = 300;

export function signWebhook(secret: string, rawBody: string, timestampSec: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSec}.${rawBody}`).digest('hex');
  return `t=${timestampSec},v1=${mac}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** The receiver's side of the recipe; the simulated CRM and the tests use it. */
export function verifyWebhookSignature(options: {
  secret: string;
  rawBody: string;
  header: string | undefined;
  nowSec?: number;
  toleranceSec?: number;
}): SignatureCheck {
  if (!options.header) return { ok: false, reason: 'missing signature header' };
  const parts = new Map<string, string[]>();
  for (const item of options.header.split(',')) {
    const at = item.indexOf('=');
    if (at <= 0) continue;
    const key = item.slice(0, at).trim();
    parts.set(key, [...(parts.get(key) ?? []), item.slice(at + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t)) return { ok: false, reason: 'no timestamp in signature' };
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSec ?? DEFAULT_TOLERANCE_SEC)) {
    return { ok: false, reason: 'timestamp outside tolerance' };
  }
  const expected = Buffer.from(signWebhook(options.secret, options.rawBody, t).split('v1=')[1] ?? '', 'hex');
  // Several v1 values are allowed so a sender can sign with an old and a new secret while rotating.
  const match = (parts.get('v1') ?? []).some((hex) => {
    const given = Buffer.from(hex, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}
