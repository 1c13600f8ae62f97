/**
 * OutboundDialer over Twilio's Calls resource with the official SDK: Calls.create with our voice
 * webhook, progress callbacks and asynchronous answering-machine detection; Calls.list to find a
 * call a crashed dial already placed; a TwiML update to leave a voicemail message.
 */
import type { DialOutcome, DialRefusal, OutboundDialer, PlacedCall } from '../ports.ts';
import { createTwilioRestClient, type TwilioCallControlOptions, toProviderError } from './call-control.ts';
import { sayAndHangupTwiml } from './twiml.ts';

/**
 * Twilio error codes that mean "this number cannot be called": retrying is pointless and the
 * contact's number is what is wrong. https://www.twilio.com/docs/api/errors/<code>
 */
const INVALID_NUMBER_CODES = new Set([
  21211, // Invalid 'To' phone number
  21214, // 'To' phone number cannot be reached
  21217, // Phone number does not appear to be valid
  21614, // 'To' number is not a valid mobile number
  13223, // Dial: invalid phone number format
  13224, // Dial: invalid phone number
]);

/** Refusals about our side (caller id, permissions): the call cannot be placed as configured. */
const FAILED_CODES = new Set([
  21210, // 'From' phone number not verified
  21212, // Invalid 'From' / caller id
  21215, // Geo permissions do not allow this destination
  21216, // Account not allowed to call this number
  21401, // Invalid phone number (legacy)
]);

const PROGRESS_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

/** A Twilio RestException with a documented business code becomes a refusal; anything else throws. */
export function refusalOf(error: unknown): DialRefusal | undefined {
  const e = error as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.status !== 'number' || typeof e.code !== 'number') return undefined;
  const message = typeof e.message === 'string' ? e.message : `Twilio error ${e.code}`;
  if (INVALID_NUMBER_CODES.has(e.code)) return { code: e.code, message, kind: 'invalid_number' };
  if (FAILED_CODES.has(e.code)) return { code: e.code, message, kind: 'failed' };
  // Other 400s are requests we built wrong: the same request fails again, so it is final too.
  if (e.status === 400 || e.status === 404) return { code: e.code, message, kind: 'failed' };
  return undefined;
}

export function createTwilioDialer(options: TwilioCallControlOptions): OutboundDialer {
  const client = createTwilioRestClient(options);
  const log = options.logger.child({ provider: 'twilio', component: 'dialer' });

  return {
    async dial(request): Promise<DialOutcome> {
      try {
        const call = await client.calls.create({
          to: request.to,
          from: request.from,
          url: request.voiceUrl,
          method: 'POST',
          statusCallback: request.statusCallbackUrl,
          statusCallbackMethod: 'POST',
          statusCallbackEvent: PROGRESS_EVENTS,
          timeout: request.ringTimeoutSec,
          ...(request.amdCallbackUrl
            ? {
                // DetectMessageEnd: the verdict for a machine comes after its greeting ends, the
                // moment a left message is heard from its start.
                machineDetection: 'DetectMessageEnd',
                asyncAmd: 'true',
                asyncAmdStatusCallback: request.amdCallbackUrl,
                asyncAmdStatusCallbackMethod: 'POST',
              }
            : {}),
        });
        return { placed: true, callSid: call.sid };
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal) {
          log.info({ code: refusal.code, kind: refusal.kind }, 'twilio refused the dial');
          return { placed: false, refusal };
        }
        const failure = toProviderError(error, 'place call');
        log.warn({ kind: failure.kind, status: failure.status }, 'twilio dial failed');
        throw failure;
      }
    },

    async findRecentCalls(query): Promise<PlacedCall[]> {
      try {
        // The list's StartTime filter has day granularity and skips calls not yet dialed, so
        // filter by the number pair only and compare creation times here.
        const calls = await client.calls.list({ to: query.to, from: query.from, limit: 20 });
        return calls
          .filter((c) => c.direction === 'outbound-api' && c.dateCreated >= query.since)
          .map((c) => ({ sid: c.sid, status: c.status as PlacedCall['status'], createdAt: c.dateCreated }));
      } catch (error) {
        throw toProviderError(error, 'list calls');
      }
    },

    async sayAndHangUp(callSid, text) {
      try {
        await client.calls(callSid).update({ twiml: sayAndHangupTwiml(text) });
      } catch (error) {
        throw toProviderError(error, 'leave voicemail');
      }
    },
  };
}
