import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `sb_<prefix>_<secret>`: the prefix (12 hex characters) is public and finds
 * the row; the secret is 32 random bytes (256 bits) in base64url. Only sha256(key) is stored: a
 * fast hash is enough for a secret with this much entropy (nothing to brute-force), and it keeps
 * the per-request check cheap.
 */

const KEY_PATTERN = /^sb_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  /** The full key: shown once, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): NewApiKey {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const key = `sb_${prefix}_${secret}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The prefix of a well-formed key, or undefined for anything else. */
export function parseApiKey(key: string): { prefix: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { prefix: match[1] as string } : undefined;
}

/** Constant-time comparison of a presented key with a stored hash. */
export function keyMatchesHash(key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
