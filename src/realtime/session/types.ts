/**
 * The call session's contract with the rest of the realtime node. Other folders integrate
 * against these shapes; keep them stable.
 */
import type { TurnRecord } from '../../domain/turn.ts';
import type { Logger } from '../../logger.ts';
import type {
  LanguageModel,
  SpeechToText,
  SttOptions,
  TextToSpeech,
  ToolCall,
  ToolDefinition,
} from '../../providers/ports.ts';
import type { OutboundAudio } from '../media/outbound-audio.ts';

export interface ToolOutcome {
  content: string;
  endCall?: boolean;
  transferred?: boolean;
}

export interface ToolExecutor {
  definitions(): ToolDefinition[];
  execute(call: ToolCall, signal: AbortSignal): Promise<ToolOutcome>;
}

export type { TurnRecord } from '../../domain/turn.ts';

export interface TurnSink {
  record(turn: TurnRecord): void;
} // fire-and-forget; storage errors are the sink's business

export interface SessionClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
}

export interface CallSessionConfig {
  systemPrompt: string;
  greeting: string;
  voiceId: string;
  ttsModel?: string;
  language: string;
  stt: SttOptions;
  bargeIn: {
    enabled: boolean;
    minSpeechMs: number;
    backchannels: string[] /* e.g. mhm, uh-huh, yeah, okay, right */;
  };
  silenceRepromptMs: number;
  silenceHangupMs: number;
  repromptText: string;
  goodbyeText: string;
  maxDurationMs: number;
  maxHistoryMessages: number;
  fillerAfterMs: number;
  fillerText: string;
  apologyText: string;
}

export type SessionState =
  | 'connecting'
  | 'greeting'
  | 'listening'
  | 'thinking'
  | 'speaking'
  | 'ending'
  | 'ended';

export interface CallSessionDeps {
  stt: SpeechToText;
  llm: LanguageModel;
  tts: TextToSpeech;
  audio: OutboundAudio;
  tools: ToolExecutor;
  turns: TurnSink;
  clock: SessionClock;
  logger: Logger;
  config: CallSessionConfig;
  /** The session is done: the transport hangs up / closes the stream. */
  onEnd(reason: string): void;
  onStateChange?(from: SessionState, to: SessionState): void;
}

export interface CallSession {
  start(): Promise<void>;
  onAudio(mulaw: Uint8Array): void;
  onMark(name: string): void;
  onDtmf(digit: string): void;
  stop(reason: string): Promise<void>;
  readonly state: SessionState;
  readonly stats: { turns: number; bargeIns: number; ttsSwitches?: number };
}

/** Options that are not part of the call's configuration. */
export interface CallSessionOptions {
  /** Throw on an illegal state transition (dev and tests) instead of logging it (production). */
  strictTransitions?: boolean;
}
