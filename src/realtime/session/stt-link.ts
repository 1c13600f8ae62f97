/**
 * The session's one live STT stream, kept alive through one drop. Caller audio that arrives while
 * no stream is open (before the first open resolves, or during a reopen) is buffered up to
 * PENDING_AUDIO_MAX_MS and then flushed, so the first words after "hello" are not lost; anything
 * older is dropped, because transcribing stale audio late would only confuse turn-taking.
 */
import type { Logger } from '../../logger.ts';
import type { SpeechToText, SttEvent, SttOptions, SttStream } from '../../providers/ports.ts';
import { createSttChunker } from '../media/stt-chunker.ts';
import { MULAW_BYTES_PER_MS } from './heard-text.ts';
import type { SessionClock } from './types.ts';

const PENDING_AUDIO_MAX_MS = 1000;
/** One reopen per call: a vendor that drops twice is unlikely to hold a third stream. */
const MAX_REOPENS = 1;
/**
 * Quiet audio after the end of speech that still goes to STT frame by frame: endpointing and
 * utterance-end are timed on it (see stt-chunker.ts), plus a margin for the vendor's own slack.
 */
const PROMPT_TAIL_MARGIN_MS = 250;

export interface SttLinkOptions {
  stt: SpeechToText;
  options: SttOptions;
  clock: SessionClock;
  logger: Logger;
  onEvent(event: SttEvent): void;
  /** The stream is gone and could not be replaced. */
  onFatal(error: unknown): void;
  /** Most quiet audio sent to STT in one message (stt-chunker.ts); 20 sends every frame alone. */
  quietChunkMs?: number;
}

export interface SttLink {
  /** Opens the first stream; rejects if the vendor refuses it. */
  open(): Promise<void>;
  send(mulaw: Uint8Array): void;
  finalize(): void;
  /** Clock time of the current stream's first audio byte (its transcript times count from there). */
  readonly audioOriginAt: number | undefined;
  readonly reopens: number;
  close(): Promise<void>;
}

export function createSttLink(o: SttLinkOptions): SttLink {
  let stream: SttStream | undefined;
  let generation = 0;
  let reopens = 0;
  let closed = false;
  let audioOriginAt: number | undefined;
  let pending: { bytes: Uint8Array; at: number }[] = [];
  let pendingBytes = 0;
  const chunker = createSttChunker({
    send: (chunk) => stream?.sendAudio(chunk),
    promptTailMs: Math.max(o.options.endpointingMs, o.options.utteranceEndMs) + PROMPT_TAIL_MARGIN_MS,
    quietChunkMs: o.quietChunkMs,
  });

  function buffer(mulaw: Uint8Array): void {
    pending.push({ bytes: mulaw, at: o.clock.now() });
    pendingBytes += mulaw.length;
    while (pendingBytes > PENDING_AUDIO_MAX_MS * MULAW_BYTES_PER_MS && pending.length > 1) {
      pendingBytes -= (pending.shift() as { bytes: Uint8Array }).bytes.length;
    }
  }

  async function openStream(): Promise<void> {
    const mine = ++generation;
    const next = await o.stt.open(o.options, (event) => {
      if (mine === generation && !closed) handle(event);
    });
    if (closed || mine !== generation) {
      await next.close().catch(() => undefined);
      return;
    }
    stream = next;
    audioOriginAt = pending[0]?.at;
    // What piled up while no stream was open goes out as one message.
    if (pending.length > 0) next.sendAudio(joinAudio(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
  }

  function handle(event: SttEvent): void {
    if (event.type !== 'closed') {
      o.onEvent(event);
      return;
    }
    // Any close we did not ask for is a drop, error or not: the stream is gone either way.
    stream = undefined;
    // Audio held for batching never reached the dropped stream: the next one gets it.
    const held = chunker.take();
    if (held) buffer(held);
    audioOriginAt = undefined;
    o.logger.warn({ code: event.code, reason: event.reason, err: event.error }, 'stt stream dropped');
    o.onEvent(event);
    if (reopens >= MAX_REOPENS) {
      o.onFatal(event.error ?? new Error('stt stream closed'));
      return;
    }
    reopens++;
    openStream().catch((error: unknown) => {
      if (!closed) o.onFatal(error);
    });
  }

  return {
    open: openStream,
    send(mulaw) {
      if (closed) return;
      if (!stream) return buffer(mulaw);
      if (audioOriginAt === undefined) audioOriginAt = o.clock.now();
      chunker.push(mulaw);
    },
    finalize: () => {
      chunker.flush();
      stream?.finalize();
    },
    get audioOriginAt() {
      return audioOriginAt;
    },
    get reopens() {
      return reopens;
    },
    async close() {
      if (closed) return;
      chunker.flush();
      closed = true;
      pending = [];
      const current = stream;
      stream = undefined;
      await current?.close().catch((error: unknown) => o.logger.warn({ err: error }, 'stt close failed'));
    },
  };
}

function joinAudio(parts: { bytes: Uint8Array }[], totalBytes: number): Uint8Array {
  if (parts.length === 1) return (parts[0] as { bytes: Uint8Array }).bytes;
  const out = new Uint8Array(totalBytes);
  let offset = 0;
  for (const p of parts) {
    out.set(p.bytes, offset);
    offset += p.bytes.length;
  }
  return out;
}
