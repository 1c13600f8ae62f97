/**
 * Per-call tokens for the media WebSocket. The webhook puts one in a TwiML <Parameter>; it comes
 * back in `start.customParameters`, where we check it before spending anything on STT or LLM.
 * Bound to the CallSid, short-lived and single-use, so a leaked token opens nothing else.
 *
 * Format: `v1.<id>.<expiresAtMs>.<callSid>.<hmac>`, HMAC-SHA256 over everything before it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type StreamTokenFailure = 'malformed' | 'bad-signature' | 'expired' | 'wrong-call' | 'replayed';

export interface StreamTokens {
  issue(callSid: string): string;
  verify(token: string, callSid: string): { ok: true } | { ok: false; reason: StreamTokenFailure };
}

export interface StreamTokenOptions {
  secret: string | Uint8Array;
  /** About 60 s: long enough for Twilio to fetch TwiML and open the socket. */
  ttlMs: number;
  clock?: { now(): number };
  /**
   * Used token ids remembered at once. Only tokens with a valid signature are remembered, so
   * only our own issuance can fill this; past it we refuse rather than forget (fail closed).
   */
  maxRemembered?: number;
}

const TOKEN = /^v1\.([A-Za-z0-9_-]{22})\.(\d{1,15})\.([A-Za-z0-9]{1,64})\.([A-Za-z0-9_-]{43})$/;

export function createStreamTokens(options: StreamTokenOptions): StreamTokens {
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : options.secret;
  if (secret.byteLength < 16) throw new Error('stream token secret must be at least 16 bytes');
  const clock = options.clock ?? Date;
  const maxRemembered = options.maxRemembered ?? 100_000;
  /** Token id → expiry. Insertion order is expiry order, as every token gets the same TTL. */
  const used = new Map<string, number>();

  const sign = (body: string): Buffer => createHmac('sha256', secret).update(body).digest();

  function forgetExpired(now: number): void {
    for (const [id, expiresAt] of used) {
      if (expiresAt > now) return;
      used.delete(id);
    }
  }

  function issue(callSid: string): string {
    if (!/^[A-Za-z0-9]{1,64}$/.test(callSid)) throw new Error('invalid CallSid');
    const id = randomBytes(16).toString('base64url');
    const body = `v1.${id}.${Math.floor(clock.now() + options.ttlMs)}.${callSid}`;
    return `${body}.${sign(body).toString('base64url')}`;
  }

  function verify(token: string, callSid: string): ReturnType<StreamTokens['verify']> {
    const match = typeof token === 'string' ? TOKEN.exec(token) : null;
    if (!match) return { ok: false, reason: 'malformed' };
    const [, id = '', expiresText = '', boundSid = '', mac = ''] = match;
    const body = `v1.${id}.${expiresText}.${boundSid}`;
    const given = Buffer.from(mac, 'base64url');
    const expected = sign(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'bad-signature' };
    }
    if (boundSid !== callSid) return { ok: false, reason: 'wrong-call' };
    const now = clock.now();
    const expiresAt = Number(expiresText);
    if (expiresAt <= now) return { ok: false, reason: 'expired' };
    forgetExpired(now);
    if (used.has(id) || used.size >= maxRemembered) return { ok: false, reason: 'replayed' };
    used.set(id, expiresAt);
    return { ok: true };
  }

  return { issue, verify };
}
