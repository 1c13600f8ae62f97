import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullBucket, type PacingBucket, reshapeBucket, takeToken } from '../../src/domain/pacing.ts';

/** Dials as fast as the bucket allows at each of `wakeUps` (sorted ms offsets). */
function dialGreedily(perMinute: number, wakeUps: number[]): number[] {
  let bucket: PacingBucket = fullBucket(perMinute, 0);
  const dials: number[] = [];
  for (const now of wakeUps) {
    for (;;) {
      const t = takeToken(bucket, perMinute, now);
      bucket = t.bucket;
      if (!t.ok) break;
      dials.push(now);
    }
  }
  return dials;
}

function maxInAnyMinute(times: number[]): number {
  let max = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while ((times[hi] as number) - (times[lo] as number) >= 60_000) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}

describe('pacing', () => {
  it('never starts more than the limit in any 60-second window, however often it is asked (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6_000 }),
        fc.array(fc.integer({ min: 0, max: 300_000 }), { minLength: 1, maxLength: 400 }),
        (perMinute, wakeUps) => {
          const dials = dialGreedily(
            perMinute,
            [...wakeUps].sort((a, b) => a - b),
          );
          expect(maxInAnyMinute(dials)).toBeLessThanOrEqual(perMinute);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('spaces slow campaigns evenly and lets fast ones burst about a second’s worth', () => {
    expect(dialGreedily(20, [0, 1_000, 2_999, 3_000, 5_999, 6_000])).toEqual([0, 3_000, 6_000]);
    expect(dialGreedily(6_000, [0])).toHaveLength(98); // 6,000 / 61
    const waiting = takeToken({ tokens: 0, atMs: 0 }, 30, 0);
    expect(waiting).toMatchObject({ ok: false, readyAtMs: 2_000 });
    expect(reshapeBucket({ tokens: 90, atMs: 5 }, 10)).toEqual({ tokens: 1, atMs: 5 });
  });

  it('reaches the full rate when it comes back when told to', () => {
    for (const perMinute of [1, 20, 600, 60_000]) {
      let bucket = fullBucket(perMinute, 0);
      let now = 0;
      let dials = 0;
      while (now < 600_000) {
        const t = takeToken(bucket, perMinute, now);
        bucket = t.bucket;
        if (t.ok) dials++;
        else now = t.readyAtMs;
      }
      // Ten minutes: within 2% of the limit (the bucket refills at limit − capacity + 1).
      expect(dials).toBeGreaterThanOrEqual(Math.floor(perMinute * 10 * 0.98));
      expect(dials).toBeLessThanOrEqual(perMinute * 10);
    }
  });
});
