/**
 * X-Twilio-Signature: HMAC-SHA1 over the exact URL Twilio called plus the sorted POST params,
 * keyed with the Auth Token. Behind a proxy or load balancer the URL we see (http, internal host)
 * is not the one Twilio signed, so callers rebuild it from the configured public base URL.
 */
import twilio from 'twilio';

export type TwilioParams = Record<string, string | string[]>;

export interface VerifyTwilioSignatureInput {
  authToken: string;
  /** The public URL Twilio requested, query string included; see `publicRequestUrl`. */
  url: string;
  /** Form fields of a POST; `{}` for a GET or a WebSocket upgrade. */
  params: TwilioParams;
  /** The X-Twilio-Signature header; missing means rejected. */
  signature: string | string[] | undefined;
}

export function verifyTwilioSignature(input: VerifyTwilioSignatureInput): boolean {
  const { signature } = input;
  if (typeof signature !== 'string' || signature.length === 0) return false;
  // validateRequest compares in constant time and tries the URL with and without default ports.
  return twilio.validateRequest(input.authToken, signature, input.url, input.params);
}

/**
 * The URL Twilio signed: the public base URL from config (what the Twilio console points at)
 * joined with the request's path and query, never the Host or X-Forwarded-* headers.
 */
export function publicRequestUrl(publicBaseUrl: string, pathAndQuery: string): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const path = pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`;
  return `${base}${path}`;
}

/** Signs like Twilio does, for the simulated caller and tests. */
export function signTwilioRequest(authToken: string, url: string, params: TwilioParams): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}
