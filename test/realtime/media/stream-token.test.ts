import { describe, expect, it } from 'vitest';
import { createStreamTokens } from '../../../src/realtime/media/stream-token.ts';

const CALL = 'CA0123456789abcdef0123456789abcdef';
const OTHER = 'CAfedcba9876543210fedcba9876543210';

function setup(maxRemembered?: number) {
  let now = 1_000_000;
  const clock = { now: () => now };
  const tokens = createStreamTokens({
    secret: 'a-test-secret-of-enough-length',
    ttlMs: 60_000,
    clock,
    maxRemembered,
  });
  return { tokens, advance: (ms: number) => (now += ms) };
}

describe('stream tokens', () => {
  it('accepts a fresh token once, for its own call', () => {
    const { tokens } = setup();
    const token = tokens.issue(CALL);
    expect(tokens.verify(token, CALL)).toEqual({ ok: true });
    expect(tokens.verify(token, CALL)).toEqual({ ok: false, reason: 'replayed' });
  });

  it('rejects expired tokens', () => {
    const { tokens, advance } = setup();
    const token = tokens.issue(CALL);
    advance(60_000);
    expect(tokens.verify(token, CALL)).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects a token issued for another call', () => {
    const { tokens } = setup();
    expect(tokens.verify(tokens.issue(OTHER), CALL)).toEqual({ ok: false, reason: 'wrong-call' });
  });

  it('rejects tampered tokens and other secrets', () => {
    const { tokens } = setup();
    const token = tokens.issue(CALL);
    const parts = token.split('.');
    const longer = [parts[0], parts[1], String(Number(parts[2]) + 60_000), parts[3], parts[4]].join('.');
    expect(tokens.verify(longer, CALL)).toEqual({ ok: false, reason: 'bad-signature' });
    const rebound = [parts[0], parts[1], parts[2], OTHER, parts[4]].join('.');
    expect(tokens.verify(rebound, OTHER)).toEqual({ ok: false, reason: 'bad-signature' });
    const other = createStreamTokens({ secret: 'another-secret-entirely!', ttlMs: 60_000 });
    expect(tokens.verify(other.issue(CALL), CALL)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each(['', 'abc', 'v1.x.y.z.w', `v2${'.a'.repeat(4)}`])('rejects malformed token %j', (token) => {
    expect(setup().tokens.verify(token, CALL)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('forgets used tokens after they expire, and fails closed when full', () => {
    const { tokens, advance } = setup(2);
    expect(tokens.verify(tokens.issue(CALL), CALL).ok).toBe(true);
    expect(tokens.verify(tokens.issue(CALL), CALL).ok).toBe(true);
    expect(tokens.verify(tokens.issue(CALL), CALL)).toEqual({ ok: false, reason: 'replayed' });
    advance(60_001);
    expect(tokens.verify(tokens.issue(CALL), CALL).ok).toBe(true);
  });

  it('refuses a short secret', () => {
    expect(() => createStreamTokens({ secret: 'short', ttlMs: 1000 })).toThrow(/16 bytes/);
  });
});
