/**
 * The hand-written fast path for inbound `media` frames must give exactly the verdict (and the
 * reason) of the zod schema plus strict base64 that it replaces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBase64Strict,
  inboundFrameSchema,
  parseInboundFrame,
} from '../../../src/realtime/media/protocol.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const roundTrips = (s: string) => Buffer.from(s, 'base64').toString('base64') === s;

/** A value that is usually right for the field, sometimes subtly or grossly wrong. */
const numeric = fc.oneof(
  fc.integer({ min: 0, max: 1e6 }).map(String),
  fc.constantFrom('', '-1', '1.5', ' 1', '1234567890123456', 'x', '１'),
  fc.integer(),
  fc.constant(null),
);
const sid = fc.oneof(
  fc.string({ minLength: 1, maxLength: 64 }),
  fc.constantFrom('', 'M'.repeat(65)),
  fc.integer(),
  fc.constant(undefined),
);
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('base64')),
  fc.constantFrom('AAAA!!!!', 'AAA', 'AB==', 'AAB=', '', '====', 'A==='),
  fc.string({ maxLength: 12 }),
  fc.integer(),
);
const mediaLike = fc.record(
  {
    event: fc.constantFrom('media', 'media', 'media', 'Media'),
    sequenceNumber: numeric,
    streamSid: sid,
    media: fc.oneof(
      fc.record(
        {
          track: fc.oneof(fc.constantFrom('inbound', 'outbound'), fc.integer()),
          chunk: numeric,
          timestamp: numeric,
          payload,
        },
        { requiredKeys: [] },
      ),
      fc.constantFrom(null, [], 'media'),
    ),
    extra: fc.anything(),
  },
  { requiredKeys: ['event', 'media'] },
);

describe('media fast path', () => {
  it('accepts and refuses media frames exactly as the schema and strict base64 do', () => {
    fc.assert(
      fc.property(mediaLike, (value) => {
        const text = JSON.stringify(value);
        const json: unknown = JSON.parse(text);
        const schema = inboundFrameSchema.safeParse(json);
        const result = parseInboundFrame(text, false);
        if (!schema.success) {
          expect(result).toEqual({
            ok: false,
            closeCode: 1007,
            reason: `bad ${String(value.event)} frame`,
          });
          return;
        }
        const frame = schema.data;
        if (frame.event !== 'media') throw new Error('schema accepted a non-media frame');
        const audio = decodeBase64Strict(frame.media.payload);
        if (!audio) {
          expect(result).toEqual({ ok: false, closeCode: 1007, reason: 'invalid base64 payload' });
          return;
        }
        expect(result.ok).toBe(true);
        if (!result.ok || result.frame.event !== 'media') return;
        expect(result.frame.media.payload).toBe(frame.media.payload);
        expect(result.frame.streamSid).toBe(frame.streamSid);
        expect([...(result.audio ?? [])]).toEqual([...Buffer.from(frame.media.payload, 'base64')]);
      }),
      { numRuns: 2000 },
    );
  });

  it('takes exactly the canonical base64 strings (those that survive a decode/encode round trip)', () => {
    const group = fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 4, maxLength: 4 });
    const candidate = fc
      .tuple(fc.array(group, { minLength: 1, maxLength: 8 }), fc.constantFrom(0, 1, 2))
      .map(([groups, pad]) => {
        const s = groups.join('');
        return s.slice(0, s.length - pad) + '='.repeat(pad);
      });
    fc.assert(
      fc.property(candidate, (s) => {
        expect(decodeBase64Strict(s) !== undefined).toBe(roundTrips(s));
      }),
      { numRuns: 3000 },
    );
  });
});
