import { describe, expect, it } from 'vitest';
import { isE164, normalizePhone } from '../../src/domain/phone.ts';

describe('phone numbers', () => {
  it('normalises valid numbers to E.164', () => {
    expect(normalizePhone('+1 (415) 555-2671')).toEqual({ ok: true, e164: '+14155552671' });
    expect(normalizePhone('030 12345678', 'DE')).toEqual({ ok: true, e164: '+493012345678' });
    expect(isE164('+442071838750')).toBe(true);
  });

  it('refuses what is not a valid number, saying why', () => {
    expect(normalizePhone('')).toEqual({ ok: false, reason: 'empty phone number' });
    expect(normalizePhone('hello')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a phone number/),
    });
    expect(normalizePhone('+1 555 0000')).toMatchObject({ ok: false });
    expect(normalizePhone('4155552671')).toMatchObject({ ok: false });
    expect(isE164('14155552671')).toBe(false);
    expect(isE164('client:alice')).toBe(false);
  });
});
