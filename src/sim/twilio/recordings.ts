/**
 * SIMULATED Twilio call recordings (not Twilio): `Calls/{CallSid}/Recordings.json` create and
 * list, with Twilio's JSON shape, and signed RecordingStatusCallback requests (in-progress when
 * the recording starts, completed when the call ends), as Twilio sends them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../logger.ts';
import { signTwilioRequest } from '../../providers/twilio/signature.ts';
import { errorBody, first, newSid } from './rest-wire.ts';

interface CallLike {
  sid: string;
  accountSid: string;
  status: string;
}

export interface SimRecording {
  sid: string;
  callSid: string;
  accountSid: string;
  channels: number;
  status: 'in-progress' | 'completed';
  startedAt: Date;
  durationSec?: number;
  callbackUrl?: string;
  callbackEvents: string[];
  /** Every status callback sent, in order, with the HTTP status our webhook answered. */
  callbacks: { status: string; httpStatus: number | 'error' }[];
}

export interface SimRecordings {
  forCall(callSid: string): SimRecording[];
  /** A finished recording of a call long over, as Twilio's store holds them (retention tests). */
  addCompleted(callSid: string, durationSec: number): SimRecording;
  /** Recording sids deleted through the REST API, in order (a repeat DELETE answers 404). */
  readonly deleted: string[];
}

type CallRoute = FastifyRequest<{ Params: { sid: string; callSid: string } }>;

export interface SimRecordingsOptions {
  accountSid: string;
  authToken: string;
  logger: Logger;
  registry: { onStatus(listener: (call: CallLike) => void): () => void };
  findCall(request: CallRoute, reply: FastifyReply): CallLike | undefined;
}

const ENDED = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];

export function registerSimRecordings(app: FastifyInstance, options: SimRecordingsOptions): SimRecordings {
  const byCall = new Map<string, SimRecording[]>();
  const log = options.logger.child({ sim: 'twilio-recordings' });

  async function notify(recording: SimRecording, status: string): Promise<void> {
    if (!recording.callbackUrl || !recording.callbackEvents.includes(status)) return;
    const params: Record<string, string> = {
      AccountSid: recording.accountSid,
      CallSid: recording.callSid,
      RecordingSid: recording.sid,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${recording.accountSid}/Recordings/${recording.sid}`,
      RecordingStatus: status,
      RecordingChannels: String(recording.channels),
      RecordingSource: 'StartCallRecordingAPI',
      RecordingStartTime: recording.startedAt.toUTCString(),
      RecordingDuration: String(recording.durationSec ?? -1),
    };
    const entry: SimRecording['callbacks'][number] = { status, httpStatus: 'error' };
    recording.callbacks.push(entry);
    try {
      const response = await fetch(recording.callbackUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signTwilioRequest(options.authToken, recording.callbackUrl, params),
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      entry.httpStatus = response.status;
    } catch (err) {
      log.warn({ err, recordingSid: recording.sid }, 'recording status callback failed');
    }
  }

  // Twilio finishes a call's recordings when the call ends, then reports them.
  options.registry.onStatus((call) => {
    if (!ENDED.includes(call.status)) return;
    for (const recording of byCall.get(call.sid) ?? []) {
      if (recording.status !== 'in-progress') continue;
      recording.status = 'completed';
      recording.durationSec = Math.round((Date.now() - recording.startedAt.getTime()) / 1000);
      void notify(recording, 'completed');
    }
  });

  const path = '/2010-04-01/Accounts/:sid/Calls/:callSid/Recordings.json';
  app.get(path, async (request: CallRoute, reply) => {
    const call = options.findCall(request, reply);
    if (!call) return reply;
    const recordings = (byCall.get(call.sid) ?? []).map(recordingJson);
    return { recordings, start: 0, end: recordings.length - 1, page: 0, page_size: 50, uri: request.url };
  });

  app.post(path, async (request: CallRoute, reply) => {
    const call = options.findCall(request, reply);
    if (!call) return reply;
    if (call.status !== 'in-progress') {
      return reply.code(400).send(errorBody(400, 21220, 'Requested resource is not eligible for recording'));
    }
    const params = (request.body ?? {}) as Record<string, string | string[]>;
    const channels = first(params.RecordingChannels) === 'dual' ? 2 : 1;
    const events = params.RecordingStatusCallbackEvent;
    const recording: SimRecording = {
      sid: newSid('RE'),
      callSid: call.sid,
      accountSid: call.accountSid,
      channels,
      status: 'in-progress',
      startedAt: new Date(),
      callbackUrl: first(params.RecordingStatusCallback),
      // Twilio's default is `completed` only; the list may come space-separated or repeated.
      callbackEvents: (Array.isArray(events) ? events : (events ?? 'completed').split(' ')).filter(Boolean),
      callbacks: [],
    };
    byCall.set(call.sid, [...(byCall.get(call.sid) ?? []), recording]);
    void notify(recording, 'in-progress');
    return reply.code(201).send(recordingJson(recording));
  });

  const deleted: string[] = [];
  type RecordingRoute = FastifyRequest<{ Params: { sid: string; recordingSid: string } }>;
  // Twilio answers 204 with no body; a recording that is not there (any more) is a 404 / 20404.
  app.delete(
    '/2010-04-01/Accounts/:sid/Recordings/:recordingSid.json',
    async (request: RecordingRoute, reply) => {
      const { sid, recordingSid } = request.params;
      for (const [callSid, list] of byCall) {
        const found = list.find((r) => r.sid === recordingSid && r.accountSid === sid);
        if (!found) continue;
        byCall.set(
          callSid,
          list.filter((r) => r !== found),
        );
        deleted.push(recordingSid);
        return reply.code(204).send();
      }
      return reply
        .code(404)
        .send(errorBody(404, 20404, `The requested resource ${request.url} was not found`));
    },
  );

  return {
    forCall: (callSid) => byCall.get(callSid) ?? [],
    addCompleted(callSid, durationSec) {
      const recording: SimRecording = {
        sid: newSid('RE'),
        callSid,
        accountSid: options.accountSid,
        channels: 2,
        status: 'completed',
        startedAt: new Date(),
        durationSec,
        callbackEvents: [],
        callbacks: [],
      };
      byCall.set(callSid, [...(byCall.get(callSid) ?? []), recording]);
      return recording;
    },
    deleted,
  };
}

function recordingJson(r: SimRecording) {
  return {
    sid: r.sid,
    account_sid: r.accountSid,
    call_sid: r.callSid,
    api_version: '2010-04-01',
    channels: r.channels,
    status: r.status,
    source: 'StartCallRecordingAPI',
    track: 'both',
    duration: r.durationSec === undefined ? '-1' : String(r.durationSec),
    start_time: r.startedAt.toUTCString(),
    date_created: r.startedAt.toUTCString(),
    date_updated: new Date().toUTCString(),
    uri: `/2010-04-01/Accounts/${r.accountSid}/Recordings/${r.sid}.json`,
  };
}
