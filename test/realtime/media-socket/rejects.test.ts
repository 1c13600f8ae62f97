/**
 * Reliability S7 (per-call stream token) and the frame-level rejects of the Media Streams socket,
 * over real WebSockets on loopback. Refused sockets must never reach `createCall`, the session or
 * the call workflow.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INBOUND_FRAME_BYTES } from '../../../src/realtime/media/protocol.ts';
import { createStreamTokens } from '../../../src/realtime/media/stream-token.ts';
import {
  audioChunk,
  type CallRecorder,
  callAfter,
  createCallRecorder,
  frames,
  type MediaServer,
  newSid,
  openSocket,
  recordingClient,
  type SignalRecord,
  sleep,
  startMediaServer,
  type TestSocket,
  TOKEN_SECRET,
  until,
  within,
} from './harness.ts';

describe('media socket rejects', () => {
  const tokens = createStreamTokens({ secret: TOKEN_SECRET, ttlMs: 60_000 });
  let server: MediaServer;
  let recorder: CallRecorder;
  let signals: SignalRecord[];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    recorder = createCallRecorder();
    const fake = recordingClient({});
    signals = fake.signals;
    server = await startMediaServer({ tokens, client: fake.client, createCall: recorder.createCall });
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await server?.close();
  });

  async function open(): Promise<TestSocket> {
    const socket = await openSocket(server.url);
    sockets.push(socket);
    return socket;
  }

  /** Sends the frames in order (stopping once the socket closed) and returns the close it saw. */
  async function sendAndClose(list: (string | { binary: Uint8Array } | { text: Uint8Array })[]) {
    const socket = await open();
    for (const frame of list) {
      if (typeof frame === 'string') await socket.send(frame);
      else if ('binary' in frame) await socket.send(frame.binary, { binary: true });
      else await socket.send(frame.text, { binary: false });
    }
    return within(socket.closed, 10_000, 'the server to close the socket');
  }

  function expectNothingReached(callSid?: string) {
    expect(recorder.calls).toHaveLength(0);
    if (callSid) expect(recorder.byCallSid(callSid)).toBeUndefined();
    expect(signals).toHaveLength(0);
  }

  describe('S7: the per-call stream token', () => {
    const startWith = (callSid: string, token: string | undefined) => [
      frames.connected(),
      frames.start({ callSid, streamSid: newSid('MZ'), token }),
    ];

    it('refuses a start without a token (1008)', async () => {
      const callSid = newSid('CA');
      const closed = await sendAndClose(startWith(callSid, undefined));
      expect(closed.code).toBe(1008);
      expect(closed.reason).toBe('stream token malformed');
      expectNothingReached(callSid);
    });

    it('refuses a token issued for another CallSid (1008)', async () => {
      const callSid = newSid('CA');
      const closed = await sendAndClose(startWith(callSid, tokens.issue(newSid('CA'))));
      expect(closed).toMatchObject({ code: 1008, reason: 'stream token wrong-call' });
      expectNothingReached(callSid);
    });

    it('refuses an expired token (1008)', async () => {
      const callSid = newSid('CA');
      // Same secret, tiny TTL: the signature is good, only the expiry fails.
      const shortLived = createStreamTokens({ secret: TOKEN_SECRET, ttlMs: 50 });
      const token = shortLived.issue(callSid);
      await sleep(150);
      const closed = await sendAndClose(startWith(callSid, token));
      expect(closed).toMatchObject({ code: 1008, reason: 'stream token expired' });
      expectNothingReached(callSid);
    });

    it('refuses tampered tokens: flipped signature, re-bound CallSid, extended expiry, other secret (1008)', async () => {
      const callSid = newSid('CA');
      const good = tokens.issue(callSid);
      const parts = good.split('.');
      const mac = parts[4] as string;
      const flippedMac = [...parts.slice(0, 4), `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`].join('.');
      const otherSid = newSid('CA');
      const rebound = tokens.issue(otherSid).replace(otherSid, callSid);
      const extended = [parts[0], parts[1], String(Number(parts[2]) + 3_600_000), parts[3], parts[4]].join(
        '.',
      );
      const foreign = createStreamTokens({ secret: 'another-secret-of-enough-length', ttlMs: 60_000 }).issue(
        callSid,
      );
      for (const token of [flippedMac, rebound, extended, foreign, `${good}x`, 'v1.garbage']) {
        const closed = await sendAndClose(startWith(callSid, token));
        expect(closed.code, token).toBe(1008);
        expect(closed.reason, token).toMatch(/^stream token (bad-signature|malformed)$/);
      }
      expectNothingReached(callSid);
      // None of the tampered attempts burnt the genuine token: it still opens the call once.
      const socket = await open();
      await socket.send(frames.connected());
      await socket.send(frames.start({ callSid, streamSid: newSid('MZ'), token: good }));
      await until(() => recorder.byCallSid(callSid)?.count('start'), 'the session to start');
      expect(recorder.calls).toHaveLength(1);
      socket.close();
      await within(socket.closed, 10_000, 'close');
      await until(() => recorder.byCallSid(callSid)?.count('stop'), 'the session to stop');
      recorder.calls.length = 0;
      signals.length = 0;
    });

    it('refuses a replayed token on a second connection (1008), leaving the first call alone', async () => {
      const callSid = newSid('CA');
      const token = tokens.issue(callSid);
      const first = await open();
      await first.send(frames.connected());
      await first.send(frames.start({ callSid, streamSid: newSid('MZ'), token }));
      await until(() => recorder.byCallSid(callSid)?.count('start'), 'the first session to start');
      const signalsBefore = signals.length;

      const closed = await sendAndClose(startWith(callSid, token));
      expect(closed).toMatchObject({ code: 1008, reason: 'stream token replayed' });
      expect(recorder.calls).toHaveLength(1);
      expect(signals).toHaveLength(signalsBefore);

      // The legitimate stream still works.
      const { bytes, payload } = audioChunk(7);
      const streamSid = recorder.byCallSid(callSid)?.stream.streamSid as string;
      await first.send(frames.media({ streamSid, seq: 2, payload }));
      await until(() => recorder.byCallSid(callSid)?.audio().length === 1, 'audio on the first call');
      expect(recorder.byCallSid(callSid)?.audio()[0]).toEqual(bytes);
      expect(first.isOpen()).toBe(true);
      first.close();
      await within(first.closed, 10_000, 'close');
      await until(() => recorder.byCallSid(callSid)?.count('release'), 'the first call to be released');
      recorder.calls.length = 0;
      signals.length = 0;
    });
  });

  describe('frame rejects', () => {
    it('closes a binary frame with 1003', async () => {
      const closed = await sendAndClose([{ binary: Uint8Array.from([0x7b, 0x7d]) }]);
      expect(closed.code).toBe(1003);
      expectNothingReached();
    });

    it('closes invalid JSON with 1007', async () => {
      const closed = await sendAndClose(['{"event":"connected",']);
      expect(closed).toMatchObject({ code: 1007, reason: 'invalid JSON' });
      expectNothingReached();
    });

    it('closes a text frame that is not UTF-8 with 1007', async () => {
      const closed = await sendAndClose([{ text: Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]) }]);
      expect(closed.code).toBe(1007);
      expectNothingReached();
    });

    it('closes an unknown event with 1007', async () => {
      const closed = await sendAndClose([frames.connected(), JSON.stringify({ event: 'hello', x: 1 })]);
      expect(closed).toMatchObject({ code: 1007, reason: 'bad hello frame' });
      expectNothingReached();
    });

    it('closes a media frame with a bad base64 payload with 1007, on a started call', async () => {
      const callSid = newSid('CA');
      const streamSid = newSid('MZ');
      const closed = await sendAndClose([
        frames.connected(),
        frames.start({ callSid, streamSid, token: tokens.issue(callSid) }),
        frames.media({ streamSid, seq: 2, payload: 'not*base64!' }),
      ]);
      expect(closed).toMatchObject({ code: 1007, reason: 'invalid base64 payload' });
      // The call had started; the bad frame ends it without feeding junk to the session.
      const call = await callAfter(recorder, callSid, 'release');
      expect(call.audio()).toHaveLength(0);
      expect(call.count('stop')).toBe(1);
      recorder.calls.length = 0;
      signals.length = 0;
    });

    it('closes media before start with 1008', async () => {
      const streamSid = newSid('MZ');
      const closed = await sendAndClose([
        frames.connected(),
        frames.media({ streamSid, seq: 1, payload: audioChunk(1).payload }),
      ]);
      expect(closed).toMatchObject({ code: 1008, reason: 'media before start' });
      expectNothingReached();
    });

    it('closes a start before connected with 1008', async () => {
      const callSid = newSid('CA');
      const closed = await sendAndClose([
        frames.start({ callSid, streamSid: newSid('MZ'), token: tokens.issue(callSid) }),
      ]);
      expect(closed).toMatchObject({ code: 1008, reason: 'start before connected' });
      expectNothingReached(callSid);
    });

    it('closes a frame over 64 KiB with 1009', async () => {
      const huge = JSON.stringify({
        event: 'connected',
        protocol: 'x'.repeat(MAX_INBOUND_FRAME_BYTES),
        version: '1',
      });
      const closed = await sendAndClose([huge]);
      expect(closed.code).toBe(1009);
      expectNothingReached();
    });

    it('ignores frames that follow a refused frame', async () => {
      // The server closes with 1007 at the junk frame, but the `start` already in flight is
      // still dispatched while the socket is CLOSING: the token is burnt and createCall runs.
      const callSid = newSid('CA');
      const token = tokens.issue(callSid);
      const socket = await open();
      socket.ws.send(frames.connected());
      socket.ws.send('this is not json');
      socket.ws.send(frames.start({ callSid, streamSid: newSid('MZ'), token }));
      const closed = await within(socket.closed, 10_000, 'close');
      await sleep(200);
      const reached = recorder.calls.length;
      const tokenStillUnused = tokens.verify(token, callSid).ok;
      recorder.calls.length = 0;
      signals.length = 0;
      expect({ code: closed.code, reached, tokenStillUnused }).toEqual({
        code: 1007,
        reached: 0,
        tokenStillUnused: true,
      });
    });

    it('accepts a frame just under the limit (the limit is not off by one)', async () => {
      const base = JSON.stringify({ event: 'connected', protocol: '', version: '1' });
      const atLimit = JSON.stringify({
        event: 'connected',
        protocol: 'x'.repeat(MAX_INBOUND_FRAME_BYTES - base.length),
        version: '1',
      });
      expect(Buffer.byteLength(atLimit)).toBe(MAX_INBOUND_FRAME_BYTES);
      const socket = await open();
      await socket.send(atLimit);
      // Still open: a second `connected` proves the first one was accepted (1008 'connected sent twice').
      await socket.send(frames.connected());
      const closed = await within(socket.closed, 10_000, 'close');
      expect(closed).toMatchObject({ code: 1008, reason: 'connected sent twice' });
      expectNothingReached();
    });
  });
});
