/**
 * SIMULATED Twilio outbound dialing (not Twilio): answers Calls.create like Twilio (201 + Call
 * JSON, or 400 with Twilio's error codes), then plays the destination's scenario. A person
 * answers (the simulated caller fetches the call's voice URL, signed, and runs the real media
 * stream), or the line is busy / not answered / fails, or a voicemail box answers (asynchronous
 * AMD callback after its greeting). Progress goes to the StatusCallback, signed, for the events
 * subscribed. It counts accepted dials per number so tests can assert exactly-once dialing.
 */
import type { Logger } from '../../logger.ts';
import type { CallStatus } from '../../providers/ports.ts';
import { signTwilioRequest } from '../../providers/twilio/signature.ts';
import { type CallerScriptStep, placeSimCall } from './caller.ts';
import { callJson, type createSimCallRegistry, type SimCall, type SimCallCreator } from './rest.ts';

export type OutboundScenario =
  | { kind: 'answer'; script: CallerScriptStep[] }
  | { kind: 'busy' | 'no-answer' | 'failed' }
  /** A voicemail box: its greeting lasts `greetingMs`, then it records until `maxMessageMs`. */
  | { kind: 'machine'; greetingMs?: number; maxMessageMs?: number }
  /** Twilio rejects the number at Calls.create (error 21211). */
  | { kind: 'invalid' };

export interface SimOutboundOptions {
  accountSid: string;
  authToken: string;
  logger: Logger;
  registry: ReturnType<typeof createSimCallRegistry>;
  /** Scenario per destination number; `defaultScenario` for the rest. */
  scenarios?: Record<string, OutboundScenario>;
  defaultScenario?: OutboundScenario;
  /** How long the phone rings before it is answered, busy, or (capped by Timeout) unanswered. */
  ringMs?: number;
  stepTimeoutMs?: number;
  /**
   * Runs after a dial was accepted and counted, before Twilio's response is sent: the window in
   * which a dialing process can die knowing nothing of the call (crash tests).
   */
  onAccepted?: (call: SimCall) => Promise<void> | void;
}

export interface LeftVoicemail {
  callSid: string;
  to: string;
  /** The TwiML the call was given once the box's greeting ended. */
  twiml: string;
}

type Params = Record<string, string | string[]>;

const E164 = /^\+[1-9]\d{6,14}$/;
const SIP_CODES: Partial<Record<CallStatus, number>> = { busy: 486, 'no-answer': 487, failed: 500 };

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errorBody(code: number, message: string) {
  return { status: 400, code, message, more_info: `https://www.twilio.com/docs/errors/${code}` };
}

export class SimOutbound implements SimCallCreator {
  /** Accepted Calls.create requests per destination number. */
  readonly dials = new Map<string, number>();
  readonly rejected: { to: string; code: number }[] = [];
  /** Form fields of every accepted Calls.create, repeated keys as arrays. */
  readonly created: { callSid: string; params: Params }[] = [];
  readonly voicemails: LeftVoicemail[] = [];
  /** Errors a scenario hit (webhook refused, stuck script): tests assert this stays empty. */
  readonly errors: { callSid: string; error: string }[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: SimOutboundOptions) {}

  dialCount(to: string): number {
    return this.dials.get(to) ?? 0;
  }

  totalDials(): number {
    return [...this.dials.values()].reduce((a, b) => a + b, 0);
  }

  /** Resolves when every scenario started so far has played out. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
  }

  async create(params: Params): Promise<{ status: number; body: object }> {
    const to = first(params.To) ?? '';
    const from = first(params.From) ?? '';
    if (!from) return this.reject(to, 21603, "A 'From' phone number is required.");
    if (!first(params.Url) && !first(params.Twiml))
      return this.reject(to, 21205, 'Url parameter is required.');
    const scenario = this.scenarioFor(to);
    if (!E164.test(to) || scenario.kind === 'invalid') {
      return this.reject(to, 21211, `Invalid 'To' Phone Number: ${to}`);
    }
    const call = this.options.registry.registerCall({
      from,
      to,
      direction: 'outbound-api',
      status: 'queued',
      accountSid: this.options.accountSid,
    });
    this.dials.set(to, this.dialCount(to) + 1);
    this.created.push({ callSid: call.sid, params });
    await this.options.onAccepted?.(call);
    const run = this.play(call, params, scenario).catch((err: Error) => {
      this.errors.push({ callSid: call.sid, error: err.message });
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return { status: 201, body: callJson(call) };
  }

  private reject(to: string, code: number, message: string) {
    this.rejected.push({ to, code });
    return { status: 400, body: errorBody(code, message) };
  }

  private scenarioFor(to: string): OutboundScenario {
    return this.options.scenarios?.[to] ?? this.options.defaultScenario ?? { kind: 'no-answer' };
  }

  private async play(call: SimCall, params: Params, scenario: OutboundScenario): Promise<void> {
    const progress = new ProgressCallbacks(this.options, call, params);
    const ringMs = this.options.ringMs ?? 200;
    await pause(20);
    await progress.send('initiated');
    if (scenario.kind === 'failed') return progress.end('failed');
    await progress.send('ringing');
    const timeoutMs = Number(first(params.Timeout) ?? 60) * 1000;
    await pause(scenario.kind === 'no-answer' ? Math.min(ringMs * 2, timeoutMs) : ringMs);
    if (this.endedByApi(call)) return progress.end(call.status);
    if (scenario.kind !== 'answer' && scenario.kind !== 'machine') {
      return progress.end(scenario.kind === 'invalid' ? 'failed' : scenario.kind);
    }
    await this.answer(call, params, scenario, progress);
  }

  private endedByApi(call: SimCall): boolean {
    return call.status === 'canceled' || call.status === 'completed' || this.closed;
  }

  /** Answered: in-progress, the AMD verdict when asked for, and the voice URL's TwiML played. */
  private async answer(
    call: SimCall,
    params: Params,
    scenario: Extract<OutboundScenario, { kind: 'answer' | 'machine' }>,
    progress: ProgressCallbacks,
  ): Promise<void> {
    this.options.registry.setStatus(call.sid, 'in-progress');
    await progress.send('in-progress');
    const machine = scenario.kind === 'machine';
    const script: CallerScriptStep[] = machine
      ? [{ hangUp: true, afterMs: scenario.maxMessageMs ?? 60_000 }]
      : scenario.script;
    const handle = placeSimCall({
      voiceUrl: first(params.Url) as string,
      accountSid: this.options.accountSid,
      authToken: this.options.authToken,
      from: call.from,
      to: call.to,
      callSid: call.sid,
      direction: 'outbound-api',
      script,
      logger: this.options.logger,
      registry: this.options.registry,
      stepTimeoutMs: this.options.stepTimeoutMs ?? 30_000,
    });
    const amd = first(params.MachineDetection)
      ? this.detect(call, params, machine ? (scenario.greetingMs ?? 1500) : 300, machine)
      : Promise.resolve();
    try {
      await Promise.all([handle.done, amd]);
    } finally {
      const twiml = this.options.registry.updates.filter((u) => u.sid === call.sid).at(-1)?.twiml;
      if (twiml && machine) this.voicemails.push({ callSid: call.sid, to: call.to, twiml });
      if (call.status === 'in-progress') this.options.registry.setStatus(call.sid, 'completed');
      await progress.end(call.status);
    }
  }

  /** Asynchronous AMD: after the greeting (DetectMessageEnd) or its start (Enable), post the verdict. */
  private async detect(call: SimCall, params: Params, afterMs: number, machine: boolean): Promise<void> {
    const url = first(params.AsyncAmdStatusCallback);
    await pause(afterMs);
    if (call.status !== 'in-progress') return;
    const endOfMessage = first(params.MachineDetection) === 'DetectMessageEnd';
    call.answeredBy = machine ? (endOfMessage ? 'machine_end_beep' : 'machine_start') : 'human';
    if (!url) return;
    await postSigned(url, this.options.authToken, {
      CallSid: call.sid,
      AccountSid: call.accountSid,
      AnsweredBy: call.answeredBy,
      MachineDetectionDuration: String(afterMs),
    });
  }
}

/** Status callbacks for one call: subscribed events only, SequenceNumber from 0, signed. */
class ProgressCallbacks {
  private sequence = 0;
  private readonly events: Set<string>;
  private finished = false;

  constructor(
    private readonly options: SimOutboundOptions,
    private readonly call: SimCall,
    private readonly params: Params,
  ) {
    const asked = params.StatusCallbackEvent;
    // Without StatusCallbackEvent Twilio reports only the end of the call.
    this.events = new Set(asked === undefined ? ['completed'] : [asked].flat().flatMap((e) => e.split(' ')));
  }

  async send(status: CallStatus): Promise<void> {
    if (status !== 'initiated' && status !== 'ringing' && status !== 'in-progress') return;
    if (status !== 'in-progress') this.options.registry.setStatus(this.call.sid, status);
    await this.post(status === 'in-progress' ? 'answered' : status, status);
  }

  /** The call is over with `status`: once, whichever path got here first. */
  async end(status: CallStatus): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const final = status === 'in-progress' || status === 'queued' ? 'completed' : status;
    if (this.call.status !== final) this.options.registry.setStatus(this.call.sid, final);
    await this.post('completed', final);
  }

  private async post(event: string, status: CallStatus): Promise<void> {
    const url = this.params.StatusCallback;
    if (!url || !this.events.has(event)) return;
    const fields: Record<string, string> = {
      CallSid: this.call.sid,
      AccountSid: this.call.accountSid,
      From: this.call.from,
      To: this.call.to,
      CallStatus: status,
      Direction: 'outbound-api',
      ApiVersion: '2010-04-01',
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(this.sequence++),
      Timestamp: new Date().toUTCString(),
    };
    if (event === 'completed') {
      const json = callJson(this.call);
      fields.CallDuration = json.duration ?? '0';
      const sip = SIP_CODES[status];
      if (sip) fields.SipResponseCode = String(sip);
    }
    await postSigned(first(url) as string, this.options.authToken, fields);
  }
}

async function postSigned(url: string, authToken: string, params: Record<string, string>): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilioRequest(authToken, url, params),
    },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) throw new Error(`callback ${new URL(url).pathname} answered HTTP ${response.status}`);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
