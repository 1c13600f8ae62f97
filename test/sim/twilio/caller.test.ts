import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { createLogger } from '../../../src/logger.ts';
import { createTwilioCallControl } from '../../../src/providers/twilio/call-control.ts';
import { verifyTwilioSignature } from '../../../src/providers/twilio/signature.ts';
import { isSpeech } from '../../../src/sim/audio.ts';
import {
  type CallerScriptStep,
  type PlaceSimCallOptions,
  placeSimCall,
} from '../../../src/sim/twilio/caller.ts';
import { createSimTwilioRest } from '../../../src/sim/twilio/rest.ts';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'caller-test-token';
const logger = createLogger('silent');

// biome-ignore lint/suspicious/noExplicitAny: wire frames as received; the tests assert their shape.
type Frame = Record<string, any>;

interface AgentServer {
  voiceUrl: string;
  frames: Frame[];
  webhook: { params: Record<string, string>; signatureValid: boolean } | undefined;
  upgradeSignatureValid: boolean | undefined;
  closed: Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A tiny stand-in for the realtime node: answers TwiML, then hands each socket to `onSocket`. */
async function agentServer(
  onFrame: (frame: Frame, socket: WebSocket, state: AgentServer) => void,
  twiml?: (wsUrl: string) => string,
): Promise<AgentServer> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  let closedResolve = () => {};
  const state: AgentServer = {
    voiceUrl: '',
    frames: [],
    webhook: undefined,
    upgradeSignatureValid: undefined,
    closed: new Promise((resolve) => {
      closedResolve = resolve;
    }),
  };
  server.on('request', (req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const signature = req.headers['x-twilio-signature'];
      state.webhook = {
        params,
        signatureValid: verifyTwilioSignature({ authToken: TOKEN, url: state.voiceUrl, params, signature }),
      };
      const wsUrl = `ws://127.0.0.1:${port}/media`;
      res.setHeader('content-type', 'text/xml');
      res.end(
        twiml?.(wsUrl) ??
          `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${wsUrl}">` +
            '<Parameter name="token" value="t&amp;1"/></Stream></Connect></Response>',
      );
    });
  });
  wss.on('connection', (socket, req) => {
    state.upgradeSignatureValid = verifyTwilioSignature({
      authToken: TOKEN,
      url: `ws://127.0.0.1:${port}/media`,
      params: {},
      signature: req.headers['x-twilio-signature'],
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      state.frames.push({ ...frame, receivedAt: performance.now() });
      onFrame(frame, socket, state);
    });
    socket.on('close', () => closedResolve());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.voiceUrl = `http://127.0.0.1:${port}/voice`;
  cleanups.push(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return state;
}

function call(
  server: AgentServer,
  script: CallerScriptStep[],
  extra: Pick<PlaceSimCallOptions, 'registry'> = {},
) {
  return placeSimCall({
    voiceUrl: server.voiceUrl,
    accountSid: ACCOUNT,
    authToken: TOKEN,
    from: '+15551230000',
    to: '+15557650000',
    script,
    logger,
    msPerChar: 20,
    stepTimeoutMs: 20_000,
    ...extra,
  });
}

const agentMedia = (streamSid: string, bytes: number) =>
  JSON.stringify({
    event: 'media',
    streamSid,
    media: { payload: Buffer.alloc(bytes, 0x10).toString('base64') },
  });
const agentMark = (streamSid: string, name: string) =>
  JSON.stringify({ event: 'mark', streamSid, mark: { name } });

describe('simulated Twilio caller', () => {
  it('signs the webhook and upgrade, and sends frames in Twilio order with Twilio fields', async () => {
    const server = await agentServer(() => {});
    const handle = call(server, [
      { say: 'hello agent', afterMs: 100 },
      { dtmf: '1' },
      { hangUp: true, afterMs: 200 },
    ]);
    const timeline = await handle.done;
    await server.closed;

    expect(server.webhook?.signatureValid).toBe(true);
    expect(server.webhook?.params).toMatchObject({
      CallSid: handle.callSid,
      AccountSid: ACCOUNT,
      CallStatus: 'ringing',
      Direction: 'inbound',
    });
    expect(server.upgradeSignatureValid).toBe(true);

    const { frames } = server;
    expect(frames[0]).toMatchObject({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(frames[1]).toMatchObject({
      event: 'start',
      sequenceNumber: '1',
      streamSid: timeline.streamSid,
      start: {
        streamSid: timeline.streamSid,
        accountSid: ACCOUNT,
        callSid: handle.callSid,
        tracks: ['inbound'],
        customParameters: { token: 't&1' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    expect(timeline.streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
    expect(frames.at(-1)).toMatchObject({
      event: 'stop',
      stop: { accountSid: ACCOUNT, callSid: handle.callSid },
    });
    expect(frames.slice(1).map((f) => f.sequenceNumber)).toEqual(
      frames.slice(1).map((_, i) => String(i + 1)),
    );

    const media = frames.filter((f) => f.event === 'media');
    media.forEach((f, i) => {
      expect(f.media).toMatchObject({ track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20) });
      expect(Buffer.from(f.media.payload, 'base64')).toHaveLength(160);
    });
    const speech = media.map((f) => isSpeech(Buffer.from(f.media.payload, 'base64')));
    const firstSpeech = speech.indexOf(true);
    expect(firstSpeech).toBeGreaterThanOrEqual(5); // silence first, for 100 ms
    expect(speech.filter(Boolean)).toHaveLength(Math.ceil(('hello agent'.length * 20) / 20));
    const dtmfIndex = frames.findIndex((f) => f.event === 'dtmf');
    expect(frames[dtmfIndex]?.dtmf).toEqual({ track: 'inbound_track', digit: '1' });
    expect(frames.slice(dtmfIndex + 1).filter((f) => f.event === 'media').length).toBeGreaterThanOrEqual(9);

    // Real-time pace: 50 frames a second on average (loose bounds for a loaded machine).
    const spanMs = (media.at(-1)?.receivedAt ?? 0) - (media[0]?.receivedAt ?? 0);
    expect(spanMs / (media.length - 1)).toBeGreaterThan(12);
    expect(spanMs / (media.length - 1)).toBeLessThan(40);
    expect(timeline.events.some((e) => e.type === 'hung-up')).toBe(true);
  });

  it('plays agent audio at 8000 bytes/s and echoes a mark only after it played', async () => {
    let sentAt = 0;
    let echoedAt = 0;
    const server = await agentServer((frame, socket) => {
      if (frame.event === 'start') {
        sentAt = performance.now();
        socket.send(agentMedia(frame.streamSid, 3200)); // 400 ms
        socket.send(agentMark(frame.streamSid, 'a1'));
      }
      if (frame.event === 'mark') {
        echoedAt = performance.now();
        socket.close(1000, 'done');
      }
    });
    const timeline = await call(server, []).done;
    expect(echoedAt - sentAt).toBeGreaterThanOrEqual(360);
    expect(server.frames.find((f) => f.event === 'mark')).toMatchObject({
      streamSid: timeline.streamSid,
      mark: { name: 'a1' },
    });
    expect(timeline.heard[0]).toEqual({ mark: 'a1', bytes: 3200, cleared: false });
    expect(timeline.agentBytesPlayed).toBe(3200);
    expect(timeline.closeCode).toBe(1000);
  });

  it('honours clear: drops unplayed audio and echoes pending marks at once', async () => {
    let clearedAt = 0;
    let echoedAt = 0;
    const server = await agentServer((frame, socket) => {
      if (frame.event === 'start') {
        socket.send(agentMedia(frame.streamSid, 16_000)); // 2 s
        socket.send(agentMark(frame.streamSid, 'long'));
        setTimeout(() => {
          clearedAt = performance.now();
          socket.send(JSON.stringify({ event: 'clear', streamSid: frame.streamSid }));
        }, 200);
      }
      if (frame.event === 'mark') {
        echoedAt = performance.now();
        socket.close(1000);
      }
    });
    const timeline = await call(server, []).done;
    expect(echoedAt - clearedAt).toBeLessThan(1000);
    const clear = timeline.events.find((e) => e.type === 'clear');
    expect(clear && 'droppedBytes' in clear && clear.droppedBytes).toBeGreaterThan(0);
    expect(timeline.heard[0]).toMatchObject({ mark: 'long', cleared: true });
    expect(timeline.heard[0]?.bytes).toBeLessThan(16_000);
    expect(timeline.agentBytesPlayed + (clear as { droppedBytes: number }).droppedBytes).toBe(16_000);
  });

  it('measures reply latency, barges in while the agent talks, and waits for agent silence', async () => {
    let wasSpeaking = false;
    let talking = false;
    const server = await agentServer((frame, socket) => {
      if (frame.event !== 'media') return;
      const speech = isSpeech(Buffer.from(frame.media.payload, 'base64'));
      if (speech && talking) {
        talking = false;
        socket.send(JSON.stringify({ event: 'clear', streamSid: frame.streamSid }));
      } else if (
        wasSpeaking &&
        !speech &&
        !talking &&
        server.frames.filter((f) => f.event === 'clear').length === 0
      ) {
        talking = true;
        socket.send(agentMedia(frame.streamSid, 8000)); // a 1 s reply
        socket.send(agentMark(frame.streamSid, 'reply'));
      }
      wasSpeaking = speech;
    });
    const timeline = await call(server, [
      { say: 'book me in' },
      { say: 'stop', afterAgentSpeechMs: 200 },
      { hangUp: true, afterAgentSilenceMs: 100 },
    ]).done;
    const [first, second] = timeline.said;
    expect(first?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(first?.latencyMs).toBeLessThan(1000);
    expect(first?.interrupted).toBe(false);
    expect(second?.interrupted).toBe(true);
    expect(timeline.events.filter((e) => e.type === 'clear')).toHaveLength(1);
    expect(timeline.heard[0]).toMatchObject({ mark: 'reply', cleared: true });
    expect(server.frames.at(-1)?.event).toBe('stop');
  });

  it('ends the stream when the call is hung up through the REST API', async () => {
    const rest = await createSimTwilioRest({ accountSid: ACCOUNT, authToken: TOKEN, logger });
    const baseUrl = await rest.listen();
    cleanups.push(() => rest.close());
    const server = await agentServer(() => {});
    const handle = call(server, [], { registry: rest.registry });
    const control = createTwilioCallControl({ accountSid: ACCOUNT, authToken: TOKEN, baseUrl, logger });
    while (!server.frames.some((f) => f.event === 'media')) await new Promise((r) => setTimeout(r, 20));
    expect(rest.registry.get(handle.callSid)?.status).toBe('in-progress');
    await control.hangUp(handle.callSid);
    const timeline = await handle.done;
    expect(timeline.events).toContainEqual(
      expect.objectContaining({ type: 'stream-ended-by-api', reason: 'completed' }),
    );
    expect(server.frames.at(-1)?.event).toBe('stop');
  });

  it('stops after TwiML without a stream, and fails when the webhook is unreachable', async () => {
    const server = await agentServer(
      () => {},
      () => '<Response><Say>Busy</Say><Hangup/></Response>',
    );
    const timeline = await call(server, []).done;
    expect(timeline.twiml).toContain('<Say>Busy</Say>');
    expect(server.frames).toHaveLength(0);
    await expect(call({ ...server, voiceUrl: 'http://127.0.0.1:1/voice' }, []).done).rejects.toThrow();
  });
});
