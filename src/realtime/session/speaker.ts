/**
 * Turns text into caller-audible audio and keeps the books on what was heard. Each sentence is an
 * utterance with its own id (also the Twilio mark name); sentences are synthesised one after
 * another (the pacer plays utterances in enqueue order, so parallel synthesis would interleave)
 * and each chunk is enqueued the moment it arrives.
 *
 * A reply ends one of three ways: every utterance's mark came back (heard), it was cut (barge-in
 * or stop: heard text is what played, per `playedBytesEstimate`), or TTS failed for real.
 */
import type { Logger } from '../../logger.ts';
import type { TextToSpeech } from '../../providers/ports.ts';
import type { OutboundAudio } from '../media/outbound-audio.ts';
import { abortableIterate, isAbortError } from './abortable.ts';
import { heardFromBytes } from './heard-text.ts';

/** Sentences in this group are spoken and recorded but never enter the LLM history (fillers). */
export const OFF_THE_RECORD = -1;

export type ReplyOutcome = { kind: 'heard' } | { kind: 'cut' } | { kind: 'failed'; error: unknown };

export interface ReplyHooks {
  onFirstByte?(): void;
  /** The first chunk of this reply is in the pacer's queue. */
  onFirstFrame?(): void;
}

export interface Reply {
  /** Queues a sentence; `group` ties it to a history message (see OFF_THE_RECORD). */
  say(text: string, group: number): void;
  /** No more sentences will come; `done` can now resolve as heard. */
  finish(): void;
  readonly done: Promise<ReplyOutcome>;
  /** Barge-in: clears the caller's buffer, stops synthesis, keeps what played. */
  interrupt(): void;
  /** The call is going away: stops synthesis and estimates what played, without a clear. */
  abandon(): void;
  heardText(group?: number): string;
  generatedText(group?: number): string;
  /** Groups that have at least one sentence, in order of first use. */
  groups(): number[];
  /** Some audio of this reply is queued or playing and not yet confirmed heard. */
  readonly playing: boolean;
  readonly settled: boolean;
}

export interface Speaker {
  createReply(signal: AbortSignal, hooks?: ReplyHooks): Reply;
  /** Routes a Twilio mark echo to the reply that owns the utterance. */
  onMark(name: string): void;
}

export interface SpeakerOptions {
  tts: TextToSpeech;
  audio: OutboundAudio;
  voiceId: string;
  model?: string;
  language: string;
  logger: Logger;
}

interface Utterance {
  id: string;
  text: string;
  group: number;
  bytes: number;
  synthDone: boolean;
  markHeard: boolean;
  /** Set when the reply was cut: the part of `text` that played. */
  heardPart?: string;
}

interface ReplyInternals extends Reply {
  markHeard(utteranceId: string): void;
}

export function createSpeaker(options: SpeakerOptions): Speaker {
  const owners = new Map<string, ReplyInternals>();
  let replyCount = 0;
  return {
    createReply(signal, hooks = {}) {
      replyCount++;
      return createReply(options, `r${replyCount}`, signal, hooks, owners);
    },
    onMark(name) {
      const result = options.audio.markPlayed(name);
      if (!result?.fullyHeard) return;
      owners.get(result.utteranceId)?.markHeard(result.utteranceId);
    },
  };
}

function createReply(
  options: SpeakerOptions,
  prefix: string,
  turnSignal: AbortSignal,
  hooks: ReplyHooks,
  owners: Map<string, ReplyInternals>,
): ReplyInternals {
  const { audio } = options;
  const controller = new AbortController();
  const onTurnAbort = (): void => controller.abort();
  turnSignal.addEventListener('abort', onTurnAbort, { once: true });
  const utterances: Utterance[] = [];
  const pending: Utterance[] = [];
  let finished = false;
  let pumping = false;
  let stopped = false;
  let settled = false;
  let firstByte = false;
  let firstFrame = false;
  let resolveDone: (outcome: ReplyOutcome) => void = () => undefined;
  const done = new Promise<ReplyOutcome>((resolve) => {
    resolveDone = resolve;
  });

  function settle(outcome: ReplyOutcome): void {
    if (settled) return;
    settled = true;
    turnSignal.removeEventListener('abort', onTurnAbort);
    for (const u of utterances) owners.delete(u.id);
    resolveDone(outcome);
  }

  function checkHeard(): void {
    if (settled || stopped || !finished || pumping || pending.length > 0) return;
    if (utterances.every((u) => u.bytes === 0 || u.markHeard)) settle({ kind: 'heard' });
  }

  async function synthesize(u: Utterance): Promise<void> {
    const source = options.tts.synthesize({
      text: u.text,
      voiceId: options.voiceId,
      language: options.language,
      signal: controller.signal,
      ...(options.model === undefined ? {} : { model: options.model }),
    });
    for await (const chunk of abortableIterate(source, controller.signal)) {
      if (stopped) return;
      if (chunk.length === 0) continue;
      if (!firstByte) {
        firstByte = true;
        hooks.onFirstByte?.();
      }
      u.bytes += chunk.length;
      audio.enqueue(u.id, chunk);
      if (!firstFrame) {
        firstFrame = true;
        hooks.onFirstFrame?.();
      }
    }
    if (stopped) return;
    u.synthDone = true;
    // A sentence with no audio (TTS returned nothing) gets no mark: there is nothing to hear.
    if (u.bytes > 0) audio.endUtterance(u.id);
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (pending.length > 0 && !stopped) await synthesize(pending.shift() as Utterance);
    } catch (error) {
      if (!stopped && !isAbortError(error, controller.signal)) fail(error);
    } finally {
      pumping = false;
      checkHeard();
    }
  }

  function stopWith(outcome: ReplyOutcome, playedBytes: (u: Utterance) => number | undefined): void {
    if (settled) return;
    stopped = true;
    pending.length = 0;
    controller.abort();
    for (const u of utterances) {
      if (u.markHeard || u.bytes === 0) continue;
      u.heardPart = heardFromBytes(u.text, playedBytes(u) ?? 0, u.bytes, u.synthDone);
    }
    settle(outcome);
  }

  function fail(error: unknown): void {
    options.logger.warn({ err: error }, 'speech synthesis failed');
    stopWith({ kind: 'failed', error }, (u) => audio.bytesPlayedEstimate(u.id));
  }

  function heardOf(u: Utterance): string {
    if (u.markHeard) return u.text;
    return u.heardPart ?? '';
  }

  const select = (group?: number) => utterances.filter((u) => group === undefined || u.group === group);
  const join = (parts: string[]) => parts.filter(Boolean).join(' ');

  const reply: ReplyInternals = {
    say(text, group) {
      if (stopped || settled || finished || !text.trim()) return;
      const u: Utterance = {
        id: `${prefix}-u${utterances.length + 1}`,
        text: text.trim(),
        group,
        bytes: 0,
        synthDone: false,
        markHeard: false,
      };
      utterances.push(u);
      pending.push(u);
      owners.set(u.id, reply);
      void pump();
    },
    finish() {
      finished = true;
      checkHeard();
    },
    done,
    interrupt() {
      if (settled) return;
      const cut = new Map(audio.clear().map((c) => [c.utteranceId, c.playedBytesEstimate]));
      stopWith({ kind: 'cut' }, (u) => cut.get(u.id));
    },
    abandon() {
      stopWith({ kind: 'cut' }, (u) => audio.bytesPlayedEstimate(u.id));
    },
    heardText: (group) => join(select(group).map(heardOf)),
    generatedText: (group) => join(select(group).map((u) => u.text)),
    groups: () => [...new Set(utterances.map((u) => u.group))],
    get playing() {
      return !settled && utterances.some((u) => u.bytes > 0 && !u.markHeard);
    },
    get settled() {
      return settled;
    },
    markHeard(utteranceId) {
      const u = utterances.find((o) => o.id === utteranceId);
      if (!u) return;
      u.markHeard = true;
      checkHeard();
    },
  };
  return reply;
}
