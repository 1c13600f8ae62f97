/**
 * In-process token buckets, one per (API key, bucket kind). Each bucket holds up to `perMinute`
 * tokens and refills continuously at `perMinute` per minute, so a key may burst its whole
 * minute's allowance and then continues at the steady rate. Per process: with several API
 * instances behind a balancer, each enforces its own share (a shared store would be needed for a
 * global cap).
 */
export interface RateLimitRule {
  perMinute: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until one token is available again (when refused). */
  retryAfterSec: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Buckets idle this long are full again anyway and are dropped, keeping memory bounded. */
const IDLE_EVICT_MS = 10 * 60_000;

export function createRateLimiter(now: () => number = Date.now) {
  const buckets = new Map<string, Bucket>();
  let lastSweepMs = now();

  function sweep(t: number) {
    if (t - lastSweepMs < IDLE_EVICT_MS) return;
    lastSweepMs = t;
    for (const [id, bucket] of buckets) if (t - bucket.updatedMs > IDLE_EVICT_MS) buckets.delete(id);
  }

  return {
    take(id: string, rule: RateLimitRule): RateLimitDecision {
      const t = now();
      sweep(t);
      const ratePerMs = rule.perMinute / 60_000;
      const bucket = buckets.get(id) ?? { tokens: rule.perMinute, updatedMs: t };
      bucket.tokens = Math.min(rule.perMinute, bucket.tokens + (t - bucket.updatedMs) * ratePerMs);
      bucket.updatedMs = t;
      buckets.set(id, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return {
          allowed: true,
          limit: rule.perMinute,
          remaining: Math.floor(bucket.tokens),
          retryAfterSec: 0,
        };
      }
      const retryAfterSec = Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
      return { allowed: false, limit: rule.perMinute, remaining: 0, retryAfterSec };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
