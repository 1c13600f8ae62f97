import { randomBytes } from 'node:crypto';

/** Wire helpers shared by the simulated Twilio REST resources. */

/** Form bodies carry repeated keys as arrays; most fields are single-valued. */
export function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Twilio's REST error body. */
export function errorBody(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** A Twilio-style SID: two-letter prefix and 32 hex digits. */
export function newSid(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}
