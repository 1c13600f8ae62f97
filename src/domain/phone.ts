import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Phone numbers are stored and compared in E.164 only. Anything a caller, a CSV or the LLM
 * hands us goes through here first; an invalid number is refused, never guessed at.
 */

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

/** Parses `input` (E.164, or national format when `defaultCountry` is given) into E.164. */
export function normalizePhone(input: string, defaultCountry?: string): PhoneResult {
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, reason: 'empty phone number' };
  const parsed = parsePhoneNumberFromString(
    trimmed,
    defaultCountry as Parameters<typeof parsePhoneNumberFromString>[1],
  );
  if (!parsed) return { ok: false, reason: `not a phone number: ${JSON.stringify(trimmed)}` };
  if (!parsed.isValid())
    return { ok: false, reason: `invalid phone number for ${parsed.country ?? 'its country'}` };
  return { ok: true, e164: parsed.number };
}

export function isE164(value: string): boolean {
  return /^\+[1-9]\d{6,14}$/.test(value) && normalizePhone(value).ok;
}
