/**
 * The one interface per capability that the call session and activities depend on. Each vendor
 * adapter in src/providers/<vendor>/ implements one of these; nothing outside those folders
 * imports a vendor SDK. Audio everywhere is raw G.711 mu-law, 8 kHz mono (Twilio's format), so
 * it crosses the platform without transcoding.
 */

import type { TwilioCallStatus } from '../domain/call.ts';

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

export interface CallControl {
  fetchCall(callSid: string): Promise<CallInfo>;
  hangUp(callSid: string): Promise<void>;
  /** Replaces the call's TwiML with a <Dial> to `to` (a human), ending the media stream. */
  transfer(callSid: string, to: string): Promise<void>;
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
