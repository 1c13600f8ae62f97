/**
 * The one interface per capability that the call session and activities depend on. Each vendor
 * adapter in src/providers/<vendor>/ implements one of these; nothing outside those folders
 * imports a vendor SDK. Audio everywhere is raw G.711 mu-law, 8 kHz mono (Twilio's format), so
 * it crosses the platform without transcoding.
 */

import type { TwilioCallStatus } from '../domain/call.ts';
import type { AnalysisFieldSpec } from '../domain/call-analysis.ts';
import type { CrmAdapterName, CrmCallRecord } from '../domain/crm.ts';

// ---- Speech to text (streaming) ----

export interface SttOptions {
  model: string;
  language: string;
  /** Silence after speech before the vendor marks a final as `speechFinal`. */
  endpointingMs: number;
  /** Gap in words after which the vendor sends an utterance-end event (Deepgram: >= 1000). */
  utteranceEndMs: number;
  interimResults: boolean;
}

export type SttEvent =
  | {
      type: 'transcript';
      text: string;
      /** This stretch of audio will not be transcribed again. */
      isFinal: boolean;
      /** The speaker paused long enough (endpointing): the end of a turn, usually. */
      speechFinal: boolean;
      confidence?: number;
      startMs?: number;
      durationMs?: number;
    }
  | { type: 'speech-started'; timestampMs?: number }
  | { type: 'utterance-end'; lastWordEndMs?: number }
  /** The stream is gone (vendor closed it, network dropped, or close() finished). */
  | { type: 'closed'; code?: number; reason?: string; error?: Error };

export interface SttStream {
  /** Caller audio, passed on untouched. Frames sent after close are dropped. */
  sendAudio(mulaw: Uint8Array): void;
  /** Ask the vendor to flush what it has as finals (end of a turn signalled by DTMF, etc.). */
  finalize(): void;
  close(): Promise<void>;
}

export interface SpeechToText {
  readonly name: string;
  /** Opens a live stream; resolves once the vendor accepted it. Events arrive through `onEvent`. */
  open(options: SttOptions, onEvent: (event: SttEvent) => void): Promise<SttStream>;
}

// ---- Language model (streaming chat with tools) ----

export interface ToolCall {
  /** The vendor's tool-call id; also the Temporal Update id, so a retried call applies once. */
  id: string;
  name: string;
  /** JSON text as the model produced it; validated by the tool, never trusted. */
  argumentsJson: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export type LlmDelta =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'done'; finishReason: string; usage?: { promptTokens: number; completionTokens: number } };

export interface LlmRequest {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  model?: string;
  temperature?: number;
  signal?: AbortSignal;
}

export interface LanguageModel {
  readonly name: string;
  /** Streams text as it is generated; complete tool calls are yielded once their arguments end. */
  stream(request: LlmRequest): AsyncIterable<LlmDelta>;
}

// ---- Text to speech (streaming) ----

export interface TtsRequest {
  text: string;
  voiceId: string;
  model?: string;
  language?: string;
  signal?: AbortSignal;
}

export interface TextToSpeech {
  readonly name: string;
  /** Yields mu-law 8 kHz audio chunks of any size as they arrive; aborting stops the request. */
  synthesize(request: TtsRequest): AsyncIterable<Uint8Array>;
}

// ---- Telephony (REST side of the phone network) ----

/** Twilio's call statuses, defined once in the domain. */
export type CallStatus = TwilioCallStatus;

export interface CallInfo {
  sid: string;
  status: CallStatus;
  durationSec?: number;
}

export interface RecordingInfo {
  sid: string;
  /** Twilio's resource URL (no extension); `.mp3` / `.wav` downloads the media. */
  url: string;
  status: string;
}

export interface CallControl {
  fetchCall(callSid: string): Promise<CallInfo>;
  /**
   * Starts a dual-channel recording of the call, or returns the one already running (a retried
   * activity must not start a second recording). Status callbacks go to `statusCallbackUrl`.
   */
  startRecording(callSid: string, statusCallbackUrl: string): Promise<RecordingInfo>;
  hangUp(callSid: string): Promise<void>;
  /** Deletes a recording (retention); one already gone at the vendor is `already-gone`, not an error. */
  deleteRecording(recordingSid: string): Promise<'deleted' | 'already-gone'>;
  /** Replaces the call's TwiML with a <Dial> to `to` (a human), ending the media stream. */
  transfer(callSid: string, to: string): Promise<void>;
}

// ---- Telephony: placing outbound calls ----

export interface DialRequest {
  to: string;
  from: string;
  /** TwiML URL Twilio fetches when the callee answers (our voice webhook). */
  voiceUrl: string;
  /** Receives initiated / ringing / answered / completed progress callbacks. */
  statusCallbackUrl: string;
  /** Asynchronous answering-machine detection posts its verdict here; unset means no AMD. */
  amdCallbackUrl?: string;
  /** Seconds to let the phone ring before Twilio gives up with no-answer. */
  ringTimeoutSec: number;
}

/** Twilio refused to place the call for a reason retrying cannot fix (bad number, caller id). */
export interface DialRefusal {
  code?: number;
  message: string;
  kind: 'invalid_number' | 'failed';
}

export type DialOutcome = { placed: true; callSid: string } | { placed: false; refusal: DialRefusal };

export interface PlacedCall {
  sid: string;
  status: CallStatus;
  createdAt: Date;
}

export interface OutboundDialer {
  dial(request: DialRequest): Promise<DialOutcome>;
  /** Recent outbound calls from `from` to `to`, newest first: how a retried dial finds its call. */
  findRecentCalls(query: { to: string; from: string; since: Date }): Promise<PlacedCall[]>;
  /** Replaces the live call's TwiML: speak `text`, then hang up (a voicemail message). */
  sayAndHangUp(callSid: string, text: string): Promise<void>;
}

// ---- Post-call analysis (one structured-output request) ----

export interface AnalysisTurn {
  speaker: 'caller' | 'agent';
  text: string;
}

export interface CallAnalysisRequest {
  transcript: AnalysisTurn[];
  /** Extra fields to extract, besides summary, sentiment, outcome and action items. */
  fields: AnalysisFieldSpec[];
  context: { direction: 'inbound' | 'outbound'; startedAt: string; endedAt?: string };
  /** Why the previous answer was rejected, so the model can correct it. */
  previousError?: string;
  model?: string;
  signal?: AbortSignal;
}

export interface CallAnalyzer {
  readonly name: string;
  /** The model's answer as text (expected JSON, unvalidated), or its refusal. */
  analyze(request: CallAnalysisRequest): Promise<{ content: string | null; refusal?: string }>;
}

// ---- CRM (one adapter per vendor; every write idempotent by the record's key) ----

export interface CrmWriteResult {
  /** The vendor's id of what was written (note, call, delivery), when it has one. */
  externalId?: string;
}

export interface Crm {
  readonly name: CrmAdapterName;
  /**
   * Writes the record once: a second push with the same idempotency key changes nothing at the
   * CRM. Throws CrmRequestError (src/providers/crm/errors.ts) saying whether a retry can help.
   */
  push(record: CrmCallRecord): Promise<CrmWriteResult>;
}

/** A Slack-compatible incoming webhook for operator alerts. */
export interface Alerter {
  send(text: string): Promise<void>;
}

// ---- Messaging (SMS) ----

/** Twilio's message statuses that matter after sending, in the order they normally advance. */
export type MessageStatus =
  | 'accepted'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'receiving'
  | 'received'
  | 'read'
  | 'scheduled'
  | 'canceled';

export interface SentMessage {
  sid: string;
  status: MessageStatus;
  to: string;
  from: string;
  body: string;
  dateCreated: Date;
}

export interface SendMessageRequest {
  to: string;
  from: string;
  body: string;
  /** Where the vendor posts delivery updates (signed like every Twilio webhook). */
  statusCallbackUrl?: string;
}

export interface Messaging {
  send(request: SendMessageRequest): Promise<SentMessage>;
  /**
   * Messages sent to `to` since `since`, newest first. Used to reconcile a send whose result was
   * lost in a crash: the vendor has no idempotency key for messages.
   */
  listSentTo(to: string, since: Date): Promise<SentMessage[]>;
}
