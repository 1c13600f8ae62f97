/**
 * Fakes of every port the call session uses, plus a harness that builds a session from them.
 * Time only moves when a test calls `advance`; marks only come back when a test plays audio.
 */
import { pino } from 'pino';
import type {
  LanguageModel,
  LlmDelta,
  LlmRequest,
  SpeechToText,
  SttEvent,
  SttOptions,
  TextToSpeech,
  ToolCall,
  TtsRequest,
} from '../../../src/providers/ports.ts';
import { createOutboundAudio } from '../../../src/realtime/media/outbound-audio.ts';
import { createCallSession } from '../../../src/realtime/session/call-session.ts';
import type {
  CallSessionConfig,
  SessionClock,
  SessionState,
  ToolExecutor,
  ToolOutcome,
  TurnRecord,
} from '../../../src/realtime/session/types.ts';

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Lets pending promise chains (async generators, awaits) run to their next real wait, and work
 * the session hands to the next turn of the event loop (the caller's turn record) run too.
 */
export async function flush(rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

export function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: SessionClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (id) => {
      timers.delete(id as number);
    },
  };
  /** Runs due timers in order, letting promise chains settle between them. */
  async function advance(ms: number): Promise<void> {
    const until = now + ms;
    for (;;) {
      await flush();
      const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = Math.max(now, due[1].at);
      due[1].fn();
    }
    now = until;
    await flush();
  }
  return { clock, advance, pending: () => timers.size };
}

export class FakeStt implements SpeechToText {
  readonly name = 'fake-stt';
  readonly streams: {
    onEvent: (e: SttEvent) => void;
    audio: Uint8Array[];
    closed: boolean;
    finalized: number;
  }[] = [];
  opens = 0;
  failOpens = 0;

  async open(_options: SttOptions, onEvent: (event: SttEvent) => void) {
    this.opens++;
    if (this.failOpens > 0) {
      this.failOpens--;
      throw new Error('stt unavailable');
    }
    const s = { onEvent, audio: [] as Uint8Array[], closed: false, finalized: 0 };
    this.streams.push(s);
    return {
      sendAudio: (mulaw: Uint8Array) => {
        if (!s.closed) s.audio.push(mulaw);
      },
      finalize: () => {
        s.finalized++;
      },
      close: async () => {
        s.closed = true;
      },
    };
  }

  get current() {
    const s = this.streams.at(-1);
    if (!s) throw new Error('no stt stream');
    return s;
  }

  emit(event: SttEvent): void {
    this.current.onEvent(event);
  }

  /** One caller utterance the Deepgram way: SpeechStarted, interim, final with speech_final. */
  say(text: string): void {
    this.emit({ type: 'speech-started' });
    this.emit({ type: 'transcript', text, isFinal: true, speechFinal: true });
  }

  drop(): void {
    const s = this.current;
    s.closed = true;
    s.onEvent({ type: 'closed', code: 1011, error: new Error('socket reset') });
  }
}

export type LlmStep = LlmDelta | { wait: Promise<void> } | { fail: Error };

export class FakeLlm implements LanguageModel {
  readonly name = 'fake-llm';
  readonly requests: LlmRequest[] = [];
  /** One script per stream() call; a missing script answers "Okay." */
  readonly scripts: LlmStep[][] = [];
  finishedStreams = 0;

  async *stream(request: LlmRequest): AsyncGenerator<LlmDelta> {
    this.requests.push({ ...request, messages: request.messages.map((m) => ({ ...m })) });
    const script = this.scripts.shift() ?? [text('Okay.'), done()];
    for (const step of script) {
      if ('wait' in step) await step.wait;
      else if ('fail' in step) throw step.fail;
      else yield step;
      if (request.signal?.aborted) return;
    }
    this.finishedStreams++;
  }

  get lastSignal(): AbortSignal {
    const signal = this.requests.at(-1)?.signal;
    if (!signal) throw new Error('no llm request');
    return signal;
  }
}

export const text = (t: string): LlmDelta => ({ type: 'text', text: t });
export const done = (): LlmDelta => ({ type: 'done', finishReason: 'stop' });
export const toolCall = (name: string, args = '{}', id = `call-${name}`): LlmDelta => ({
  type: 'tool-call',
  call: { id, name, argumentsJson: args },
});

export class FakeTts implements TextToSpeech {
  readonly name = 'fake-tts';
  readonly requests: TtsRequest[] = [];
  /** Audio per sentence, in two chunks. 1600 bytes = 200 ms of μ-law. */
  bytesPerSentence = 1600;
  /** When set, synthesis waits on it before the first chunk. */
  gate: Promise<void> | undefined;
  failWith: Error | undefined;

  async *synthesize(request: TtsRequest): AsyncGenerator<Uint8Array> {
    this.requests.push(request);
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    const half = Math.floor(this.bytesPerSentence / 2);
    yield new Uint8Array(half).fill(1);
    if (request.signal?.aborted) return;
    yield new Uint8Array(this.bytesPerSentence - half).fill(2);
  }

  get texts(): string[] {
    return this.requests.map((r) => r.text);
  }
}

export class FakeTools implements ToolExecutor {
  readonly calls: { call: ToolCall; signal: AbortSignal }[] = [];
  readonly results = new Map<string, Promise<ToolOutcome> | ToolOutcome>();

  definitions() {
    return [{ name: 'lookup', description: 'Looks something up', parameters: { type: 'object' } }];
  }

  async execute(call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> {
    this.calls.push({ call, signal });
    return (await this.results.get(call.name)) ?? { content: `${call.name} ok` };
  }
}

export const baseConfig: CallSessionConfig = {
  systemPrompt: 'You are a helpful receptionist.',
  greeting: 'Hello, how can I help?',
  voiceId: 'voice-1',
  language: 'en',
  stt: { model: 'nova-3', language: 'en', endpointingMs: 300, utteranceEndMs: 1000, interimResults: true },
  bargeIn: { enabled: true, minSpeechMs: 300, backchannels: ['mhm', 'uh-huh', 'yeah', 'okay', 'right'] },
  silenceRepromptMs: 8000,
  silenceHangupMs: 6000,
  repromptText: 'Are you still there?',
  goodbyeText: 'Goodbye!',
  maxDurationMs: 600_000,
  maxHistoryMessages: 20,
  fillerAfterMs: 1500,
  fillerText: 'One moment please.',
  apologyText: 'Sorry, something went wrong.',
};

export function createHarness(overrides: Partial<CallSessionConfig> = {}) {
  const { clock, advance, pending } = fakeClock();
  const stt = new FakeStt();
  const llm = new FakeLlm();
  const tts = new FakeTts();
  const tools = new FakeTools();
  const turns: TurnRecord[] = [];
  const ends: string[] = [];
  const states: SessionState[] = [];
  const frames: { event: string; mark?: { name: string } }[] = [];
  const audio = createOutboundAudio({
    streamSid: 'MZ1',
    clock,
    send: (json) => frames.push(JSON.parse(json)),
  });
  const session = createCallSession(
    {
      stt,
      llm,
      tts,
      audio,
      tools,
      turns: { record: (t) => turns.push(t) },
      clock,
      logger: pino({ level: 'silent' }),
      config: { ...baseConfig, ...overrides },
      onEnd: (reason) => ends.push(reason),
      onStateChange: (_from, to) => states.push(to),
    },
    { strictTransitions: true },
  );
  let marksEchoed = 0;
  /** Twilio echoes each mark once the audio before it has played. */
  function echoMarks(): void {
    const marks = frames.filter((f) => f.event === 'mark');
    for (; marksEchoed < marks.length; marksEchoed++) session.onMark(marks[marksEchoed]?.mark?.name ?? '');
  }
  /** Plays everything queued (advancing the clock) and echoes the marks. */
  async function playAll(ms = 5000): Promise<void> {
    await advance(ms);
    echoMarks();
    await flush();
  }
  const assistantTurns = () => turns.filter((t) => t.role === 'assistant');
  return {
    session,
    clock,
    advance,
    pending,
    stt,
    llm,
    tts,
    tools,
    turns,
    assistantTurns,
    ends,
    states,
    frames,
    audio,
    playAll,
    echoMarks,
  };
}

/** Starts the session and lets the greeting play to the end. */
export async function startAndGreet(h: ReturnType<typeof createHarness>): Promise<void> {
  await h.session.start();
  await h.playAll(1000);
}
