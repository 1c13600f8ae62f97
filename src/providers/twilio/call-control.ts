/**
 * CallControl over Twilio's REST API with the official SDK. `baseUrl` points the SDK at another
 * origin (the simulated Twilio on loopback): `edge`/`region` can only change the twilio.com host,
 * so a custom httpClient rewrites the origin of each request instead.
 */
import twilio from 'twilio';
import type RequestClientModule from 'twilio/lib/base/RequestClient.js';
import { TWILIO_CALL_STATUSES } from '../../domain/call.ts';
import { ProviderError, type ProviderErrorKind } from '../../domain/errors.ts';
import type { Logger } from '../../logger.ts';
import type { CallControl, CallInfo, CallStatus, RecordingInfo } from '../ports.ts';
import { dialTwiml } from './twiml.ts';

const PROVIDER = 'twilio';

export interface TwilioCallControlOptions {
  accountSid: string;
  authToken: string;
  /** Origin to send REST calls to instead of https://api.twilio.com (tests, simulation). */
  baseUrl?: string;
  logger: Logger;
  /** Per-request timeout; the SDK's default of 30 s is too long for a live call. */
  timeoutMs?: number;
}

type RequestOptions<TData> = RequestClientModule.RequestOptions<TData>;

/** Sends every SDK request to `origin`, keeping path and query. */
export class OriginRewritingClient extends twilio.RequestClient {
  constructor(
    private readonly origin: string,
    options: { timeout: number },
  ) {
    super(options);
  }

  override request<TData>(opts: RequestOptions<TData>) {
    const original = new URL(opts.uri);
    const uri = new URL(`${original.pathname}${original.search}`, this.origin).toString();
    return super.request<TData>({ ...opts, uri });
  }
}

function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate-limit';
  if (status >= 500) return 'unavailable';
  return 'bad-request';
}

/** RestException (and any HTTP-ish error) by status; network failures by their code. */
export function toProviderError(error: unknown, action: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = error as { status?: unknown; code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (typeof e?.status === 'number') {
    const code = typeof e.code === 'number' ? ` (code ${e.code})` : '';
    return new ProviderError(PROVIDER, kindForStatus(e.status), `${action} failed: ${message}${code}`, {
      cause: error,
      status: e.status,
    });
  }
  const timedOut = e?.code === 'ECONNABORTED' || e?.code === 'ETIMEDOUT';
  return new ProviderError(PROVIDER, timedOut ? 'timeout' : 'unavailable', `${action} failed: ${message}`, {
    cause: error,
  });
}

function toCallInfo(call: { sid: string; status: string; duration: string | null }): CallInfo {
  const status = call.status as CallStatus;
  if (!TWILIO_CALL_STATUSES.includes(status)) {
    throw new ProviderError(PROVIDER, 'protocol', `unknown call status ${JSON.stringify(call.status)}`);
  }
  const info: CallInfo = { sid: call.sid, status };
  const durationSec = call.duration == null ? Number.NaN : Number(call.duration);
  if (Number.isFinite(durationSec)) info.durationSec = durationSec;
  return info;
}

/** Recording statuses during which Twilio is still capturing audio. */
const RECORDING_ACTIVE = ['in-progress', 'paused'];

function toRecordingInfo(recording: { sid: string; uri: string; status: string }): RecordingInfo {
  const path = recording.uri.replace(/\.json$/, '');
  return { sid: recording.sid, url: `https://api.twilio.com${path}`, status: recording.status };
}

/** The official SDK client, aimed at `baseUrl` when one is given. */
export function createTwilioRestClient(options: TwilioCallControlOptions) {
  const timeout = options.timeoutMs ?? 10_000;
  const httpClient = options.baseUrl
    ? new OriginRewritingClient(options.baseUrl, { timeout })
    : new twilio.RequestClient({ timeout });
  return twilio(options.accountSid, options.authToken, { httpClient });
}

export function createTwilioCallControl(options: TwilioCallControlOptions): CallControl {
  const client = createTwilioRestClient(options);
  const log = options.logger.child({ provider: PROVIDER });

  async function run<T>(action: string, callSid: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const failure = toProviderError(error, action);
      log.warn({ callSid, action, kind: failure.kind, status: failure.status }, 'twilio call control failed');
      throw failure;
    }
  }

  return {
    fetchCall: (callSid) =>
      run('fetch call', callSid, async () => toCallInfo(await client.calls(callSid).fetch())),
    startRecording: (callSid, statusCallbackUrl) =>
      run('start recording', callSid, async () => {
        const recordings = client.calls(callSid).recordings;
        const running = (await recordings.list({ limit: 20 })).find((r) =>
          RECORDING_ACTIVE.includes(r.status),
        );
        if (running) return toRecordingInfo(running);
        const created = await recordings.create({
          recordingChannels: 'dual',
          recordingStatusCallback: statusCallbackUrl,
          recordingStatusCallbackEvent: ['in-progress', 'completed', 'absent'],
          recordingStatusCallbackMethod: 'POST',
        });
        return toRecordingInfo(created);
      }),
    deleteRecording: (recordingSid) =>
      run('delete recording', recordingSid, async () => {
        try {
          await client.recordings(recordingSid).remove();
          return 'deleted' as const;
        } catch (error) {
          // 404: deleted before (a retried purge) or by hand in the console: the goal is met.
          if ((error as { status?: unknown }).status === 404) return 'already-gone' as const;
          throw error;
        }
      }),
    hangUp: (callSid) =>
      run('hang up', callSid, async () => {
        await client.calls(callSid).update({ status: 'completed' });
      }),
    transfer: (callSid, to) =>
      run('transfer', callSid, async () => {
        await client.calls(callSid).update({ twiml: dialTwiml(to) });
      }),
  };
}
