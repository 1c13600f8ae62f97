/**
 * Dial pacing as a token bucket sized so that no 60-second window ever holds more than
 * `perMinute` dial starts: a bucket of C tokens refilled at (perMinute − C + 1) per minute can
 * start at most C + (perMinute − C) dials in any minute. C is about one second's worth, so a fast
 * campaign starts dials in small bursts (one workflow task each) instead of one task per dial;
 * below 61 a minute, C is 1 and dials are evenly spaced.
 */

export interface PacingBucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms since epoch, workflow time). */
  atMs: number;
}

export function pacingShape(perMinute: number): { capacity: number; perMs: number } {
  const capacity = Math.max(1, Math.floor(perMinute / 61));
  return { capacity, perMs: (perMinute - capacity + 1) / 60_000 };
}

/** A full bucket: a campaign may start its first burst at once. */
export function fullBucket(perMinute: number, nowMs: number): PacingBucket {
  return { tokens: pacingShape(perMinute).capacity, atMs: nowMs };
}

/** Takes one token if there is one; otherwise says when to come back. */
export function takeToken(
  bucket: PacingBucket,
  perMinute: number,
  nowMs: number,
): { ok: true; bucket: PacingBucket } | { ok: false; bucket: PacingBucket; readyAtMs: number } {
  const { capacity, perMs } = pacingShape(perMinute);
  const elapsed = Math.max(0, nowMs - bucket.atMs);
  const tokens = Math.min(capacity, bucket.tokens + elapsed * perMs);
  // The epsilon absorbs float error (3,000 ms × 20/60,000 is 0.9999…); it cannot add a dial.
  if (tokens >= 1 - 1e-9) return { ok: true, bucket: { tokens: Math.max(0, tokens - 1), atMs: nowMs } };
  // Wait until the bucket is full again, not for one token: the next wake-up then starts a whole
  // burst, so a fast campaign costs one workflow task per burst rather than one per dial.
  return {
    ok: false,
    bucket: { tokens, atMs: nowMs },
    readyAtMs: nowMs + Math.ceil((capacity - tokens) / perMs),
  };
}

/** After a pacing change: keep what has accrued, within the new bucket's size. */
export function reshapeBucket(bucket: PacingBucket, perMinute: number): PacingBucket {
  return { tokens: Math.min(bucket.tokens, pacingShape(perMinute).capacity), atMs: bucket.atMs };
}
