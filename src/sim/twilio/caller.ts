/**
 * SIMULATED phone caller (not Twilio): plays Twilio's part of an inbound call against our own
 * realtime node. It posts the signed incoming-call webhook, follows <Connect><Stream>, and then
 * behaves like a phone line on a Media Streams socket: 20 ms media frames in real time (silence
 * between utterances), agent audio played at 8000 bytes/s, marks echoed after playback, `clear`
 * honoured. It records what it heard and how long the agent took to answer.
 */
import WebSocket from 'ws';
import type { Logger } from '../../logger.ts';
import { signTwilioRequest } from '../../providers/twilio/signature.ts';
import { readStreamTwiml } from './playback.ts';
import type { SimCallRegistry } from './rest.ts';
import { newSid } from './rest-wire.ts';
import { type CallerScriptStep, StreamSession } from './stream-session.ts';
import { type CallerTimeline, newTimeline } from './timeline.ts';

export type { CallerScriptStep } from './stream-session.ts';
export type { CallerTimeline } from './timeline.ts';

export interface PlaceSimCallOptions {
  /** The realtime node's incoming-call webhook URL, exactly as it signs it. */
  voiceUrl: string;
  accountSid: string;
  authToken: string;
  from: string;
  to: string;
  script: CallerScriptStep[];
  logger: Logger;
  callSid?: string;
  /** Shared with the simulated REST API: REST hang-ups and transfers end the stream. */
  registry?: SimCallRegistry;
  /** A step whose condition is not met by then fails the call. */
  stepTimeoutMs?: number;
  /** Speaking rate of the synthetic voice. */
  msPerChar?: number;
  /** An answered outbound call fetches its TwiML as `outbound-api` / `in-progress`. */
  direction?: 'inbound' | 'outbound-api';
}

export interface SimCallHandle {
  callSid: string;
  timeline: CallerTimeline;
  /** Resolves when the stream ended (either side); rejects on webhook errors or a stuck script. */
  done: Promise<CallerTimeline>;
  /** Sends `stop` and closes, like the caller putting the phone down. */
  hangUp(): void;
}

function webhookParams(options: PlaceSimCallOptions, callSid: string): Record<string, string> {
  return {
    CallSid: callSid,
    AccountSid: options.accountSid,
    From: options.from,
    To: options.to,
    Caller: options.from,
    Called: options.to,
    CallStatus: options.direction === 'outbound-api' ? 'in-progress' : 'ringing',
    Direction: options.direction ?? 'inbound',
    ApiVersion: '2010-04-01',
  };
}

async function postWebhook(options: PlaceSimCallOptions, callSid: string, timeline: CallerTimeline) {
  const params = webhookParams(options, callSid);
  const response = await fetch(options.voiceUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilioRequest(options.authToken, options.voiceUrl, params),
    },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(15_000),
  });
  const twiml = await response.text();
  timeline.events.push({ type: 'webhook', atMs: 0, status: response.status });
  if (!response.ok) throw new Error(`incoming-call webhook answered HTTP ${response.status}`);
  timeline.twiml = twiml;
  return readStreamTwiml(twiml);
}

function openSocket(url: string, authToken: string): WebSocket {
  // Twilio signs the upgrade request too: the wss URL and no parameters.
  return new WebSocket(url, {
    headers: { 'x-twilio-signature': signTwilioRequest(authToken, url, {}) },
    maxPayload: 1024 * 1024,
  });
}

export function placeSimCall(options: PlaceSimCallOptions): SimCallHandle {
  const callSid = options.callSid ?? newSid('CA');
  const timeline = newTimeline(callSid, newSid('MZ'));
  const log = options.logger.child({ sim: 'twilio-caller', callSid });
  // An outbound call was registered by Calls.create already.
  if (!options.registry?.get(callSid)) {
    options.registry?.registerCall({
      sid: callSid,
      from: options.from,
      to: options.to,
      accountSid: options.accountSid,
    });
  }
  let session: StreamSession | undefined;
  let hungUpEarly = false;

  const done = (async () => {
    const stream = await postWebhook(options, callSid, timeline);
    if (!stream || hungUpEarly) return timeline;
    options.registry?.setStatus(callSid, 'in-progress');
    timeline.customParameters = stream.parameters;
    const socket = openSocket(stream.streamUrl, options.authToken);
    session = new StreamSession({
      socket,
      timeline,
      accountSid: options.accountSid,
      script: options.script,
      stepTimeoutMs: options.stepTimeoutMs ?? 30_000,
      msPerChar: options.msPerChar,
      log,
    });
    const unsubscribe = options.registry?.onUpdate((update) => {
      if (update.sid !== callSid) return;
      if (update.status === 'completed' || update.status === 'canceled') session?.endByApi('completed');
      else if (update.twiml !== undefined) session?.endByApi('redirected');
    });
    try {
      return await session.run();
    } finally {
      unsubscribe?.();
      const call = options.registry?.get(callSid);
      if (call && call.status === 'in-progress') options.registry?.setStatus(callSid, 'completed');
    }
  })();

  return {
    callSid,
    timeline,
    done,
    hangUp: () => {
      hungUpEarly = true;
      session?.hangUp();
    },
  };
}
