import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lazySchema } from '../../src/domain/lazy-schema.ts';

describe('lazySchema', () => {
  it('builds the schema on first use only, once, and behaves as the schema itself', () => {
    let builds = 0;
    const phone = lazySchema(() => {
      builds++;
      return z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number');
    });
    expect(builds).toBe(0);
    expect(phone.parse('+14155550100')).toBe('+14155550100');
    expect(phone.safeParse('555').error?.issues[0]?.message).toBe('must be an E.164 number');
    expect(builds).toBe(1);
    expect(phone instanceof z.ZodString).toBe(true);
    expect(phone.optional().parse(undefined)).toBeUndefined();
    expect(builds).toBe(1);
  });

  it('composes: a lazy schema inside another schema validates and reports paths as usual', () => {
    const hhmm = lazySchema(() => z.string().regex(/^\d\d:\d\d$/, 'must be HH:MM'));
    const window = lazySchema(() => z.strictObject({ from: hhmm, to: hhmm.optional() }));
    const result = window.safeParse({ from: '9:00' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['from', 'must be HH:MM'],
    ]);
    expect(window.parse({ from: '09:00', to: '17:00' })).toEqual({ from: '09:00', to: '17:00' });
    expect(z.toJSONSchema(window)).toMatchObject({ type: 'object', required: ['from'] });
  });
});
