import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildClearFrame,
  buildMarkFrame,
  buildMediaFrame,
  createInboundGuard,
  type InboundFrame,
  parseInboundFrame,
} from '../../../src/realtime/media/protocol.ts';

const STREAM = 'MZ0123456789abcdef0123456789abcdef';
const CALL = 'CA0123456789abcdef0123456789abcdef';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';

const connected = { event: 'connected', protocol: 'Call', version: '1.0.0' };
const start = {
  event: 'start',
  sequenceNumber: '1',
  streamSid: STREAM,
  start: {
    streamSid: STREAM,
    accountSid: ACCOUNT,
    callSid: CALL,
    tracks: ['inbound'],
    customParameters: { token: 'abc' },
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
  },
};
const media = (payload = Buffer.alloc(160, 0xff).toString('base64')) => ({
  event: 'media',
  sequenceNumber: '2',
  streamSid: STREAM,
  media: { track: 'inbound', chunk: '1', timestamp: '5', payload },
});
const mark = { event: 'mark', sequenceNumber: '3', streamSid: STREAM, mark: { name: 'u1' } };
const dtmf = {
  event: 'dtmf',
  sequenceNumber: '4',
  streamSid: STREAM,
  dtmf: { track: 'inbound_track', digit: '1' },
};
const stop = {
  event: 'stop',
  sequenceNumber: '5',
  streamSid: STREAM,
  stop: { accountSid: ACCOUNT, callSid: CALL },
};

function parseOk(value: unknown): InboundFrame {
  const result = parseInboundFrame(JSON.stringify(value), false);
  if (!result.ok) throw new Error(`rejected: ${result.reason}`);
  return result.frame;
}

describe('parseInboundFrame', () => {
  it('accepts every Twilio frame type as Twilio sends it', () => {
    for (const frame of [connected, start, media(), mark, dtmf, stop]) {
      expect(parseOk(frame).event).toBe(frame.event);
    }
    const parsed = parseOk(start);
    expect(parsed.event === 'start' && parsed.start.customParameters).toEqual({ token: 'abc' });
  });

  it('decodes media payloads to raw mu-law', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const result = parseInboundFrame(Buffer.from(JSON.stringify(media(bytes.toString('base64')))), false);
    expect(result.ok && [...(result.audio ?? [])]).toEqual([...bytes]);
  });

  it('closes binary frames with 1003', () => {
    const result = parseInboundFrame(Buffer.from(JSON.stringify(connected)), true);
    expect(result).toMatchObject({ ok: false, closeCode: 1003 });
  });

  it.each([
    ['invalid JSON', '{"event":'],
    ['unknown event', JSON.stringify({ event: 'hello' })],
    ['non-object JSON', '42'],
    ['numeric sequenceNumber', JSON.stringify({ ...mark, sequenceNumber: 3 })],
    [
      'media without payload',
      JSON.stringify({ ...media(), media: { track: 'inbound', chunk: '1', timestamp: '1' } }),
    ],
    ['base64 with junk', JSON.stringify(media('AAAA!!!!'))],
    ['base64 with bad padding', JSON.stringify(media('AAA'))],
    ['non-canonical base64', JSON.stringify(media('AB=='))],
  ])('closes %s with 1007', (_label, text) => {
    expect(parseInboundFrame(text, false)).toMatchObject({ ok: false, closeCode: 1007 });
  });

  it('closes invalid UTF-8 with 1007 and oversize frames with 1009', () => {
    expect(parseInboundFrame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false)).toMatchObject({
      closeCode: 1007,
    });
    const big = JSON.stringify(media(Buffer.alloc(60_000).toString('base64')));
    expect(parseInboundFrame(big, false)).toMatchObject({ ok: false, closeCode: 1009 });
    expect(parseInboundFrame(Buffer.from(big), false, { maxFrameBytes: 1000 })).toMatchObject({
      closeCode: 1009,
    });
  });

  it('never throws on arbitrary strings or bytes', () => {
    const closeCodes = new Set([1003, 1007, 1008, 1009]);
    const check = (data: string | Buffer, isBinary: boolean) => {
      const result = parseInboundFrame(data, isBinary);
      if (!result.ok) expect(closeCodes.has(result.closeCode)).toBe(true);
    };
    fc.assert(
      fc.property(fc.string(), fc.boolean(), (text, isBinary) => check(text, isBinary)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, isBinary) =>
        check(Buffer.from(bytes), isBinary),
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.json(), (json) => check(json, false)),
      { numRuns: 500 },
    );
  });
});

describe('outbound frame builders', () => {
  it('builds media, mark and clear frames Twilio accepts', () => {
    expect(JSON.parse(buildMediaFrame(STREAM, new Uint8Array([1, 2, 3])))).toEqual({
      event: 'media',
      streamSid: STREAM,
      media: { payload: 'AQID' },
    });
    expect(JSON.parse(buildMarkFrame(STREAM, 'u1'))).toEqual({
      event: 'mark',
      streamSid: STREAM,
      mark: { name: 'u1' },
    });
    expect(JSON.parse(buildClearFrame(STREAM))).toEqual({ event: 'clear', streamSid: STREAM });
  });
});

describe('createInboundGuard', () => {
  const frames = { connected, start, media: media(), mark, dtmf, stop } as const;
  const run = (...names: (keyof typeof frames)[]) => {
    const guard = createInboundGuard();
    return names.map((name) => guard.accept(parseOk(frames[name])));
  };

  it('accepts the order Twilio uses', () => {
    const results = run('connected', 'start', 'media', 'dtmf', 'mark', 'media', 'stop');
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it.each([
    ['media before start', ['connected', 'media']],
    ['start before connected', ['start']],
    ['media before anything', ['media']],
    ['a second start', ['connected', 'start', 'start']],
    ['a second connected', ['connected', 'connected']],
    ['media after stop', ['connected', 'start', 'stop', 'media']],
    ['stop twice', ['connected', 'start', 'stop', 'stop']],
  ] as const)('rejects %s with 1008', (_label, names) => {
    const results = run(...names);
    expect(results.slice(0, -1).every((r) => r.ok)).toBe(true);
    expect(results.at(-1)).toMatchObject({ ok: false, closeCode: 1008 });
  });

  it('rejects frames for another stream and tracks the phase', () => {
    const guard = createInboundGuard();
    guard.accept(parseOk(connected));
    expect(guard.phase).toBe('awaiting-start');
    guard.accept(parseOk(start));
    expect(guard.streamSid).toBe(STREAM);
    expect(guard.accept(parseOk({ ...media(), streamSid: 'MZother' }))).toMatchObject({
      ok: false,
      closeCode: 1008,
    });
  });
});
