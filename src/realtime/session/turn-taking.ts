/**
 * Reads Deepgram-style STT events and decides two things: when the caller's turn is over, and
 * whether what the caller is saying right now is a real interruption. Pure: the caller passes
 * `now`, so the rules are testable without timers.
 *
 * Turn end: `isFinal` segments accumulate; `speechFinal` (endpointing saw a pause) ends the turn,
 * and `utterance-end` ends it when finals are pending (endpointing can miss in noise, and
 * UtteranceEnd is Deepgram's word-gap fallback).
 *
 * Interruption: needs words (SpeechStarted alone is often noise or echo), words that are not only
 * backchannels ("mhm", "yeah" mean "go on", not "stop"), and speech lasting `minSpeechMs`.
 */
import type { SttEvent } from '../../providers/ports.ts';

export interface TurnEnd {
  text: string;
  /** Audio-stream time (ms from the stream's first byte) the last word ended, when known. */
  lastWordEndMs?: number;
  /** How long the caller spoke, by the clock since speech started or by audio time. */
  spokenMs: number;
  /** Only backchannel words ("mhm", "yeah okay"): while the agent talks, not a turn at all. */
  backchannel: boolean;
}

export type InterruptionVerdict = { due: true } | { due: false; retryInMs?: number };

export interface TurnTaking {
  /** Feeds one event; returns the finished user turn, if this event ended one. */
  handle(event: SttEvent, nowMs: number): TurnEnd | undefined;
  /** Whether the speech in progress should interrupt the agent. */
  interruption(nowMs: number): InterruptionVerdict;
  /** Whether the event carried words (real speech, not just a VAD blip). */
  hasWords(event: SttEvent): boolean;
  /** Takes the finals gathered so far (a DTMF entry ends the turn early) and starts over. */
  takePending(): string;
  reset(): void;
}

export interface TurnTakingOptions {
  minSpeechMs: number;
  backchannels: string[];
}

export function createTurnTaking(options: TurnTakingOptions): TurnTaking {
  const isBackchannel = backchannelMatcher(options.backchannels);
  let finals: string[] = [];
  let interim = '';
  let speechStartedAt: number | undefined;
  let heardWords = false;
  let audioSpeechMs = 0;
  let lastWordEndMs: number | undefined;

  function reset(): void {
    finals = [];
    interim = '';
    speechStartedAt = undefined;
    heardWords = false;
    audioSpeechMs = 0;
    lastWordEndMs = undefined;
  }

  function spokenMs(nowMs: number): number {
    return speechStartedAt === undefined ? audioSpeechMs : Math.max(nowMs - speechStartedAt, audioSpeechMs);
  }

  function endTurn(nowMs: number): TurnEnd | undefined {
    const text = finals.join(' ').trim();
    const turn: TurnEnd = { text, spokenMs: spokenMs(nowMs), backchannel: isBackchannel(text) };
    if (lastWordEndMs !== undefined) turn.lastWordEndMs = lastWordEndMs;
    reset();
    return text ? turn : undefined;
  }

  function resetIfSilent(): undefined {
    // UtteranceEnd with only interims: the words never finalised; start the next utterance clean.
    if (!interim) reset();
    return undefined;
  }

  function onTranscript(event: Extract<SttEvent, { type: 'transcript' }>, nowMs: number) {
    const text = event.text.trim();
    if (text) {
      // Without vad_events there is no SpeechStarted: the first words mark the start.
      if (speechStartedAt === undefined) speechStartedAt = nowMs;
      heardWords = true;
      if (event.durationMs !== undefined) audioSpeechMs = Math.max(audioSpeechMs, event.durationMs);
    }
    if (event.isFinal) {
      if (text) finals.push(text);
      interim = '';
      if (text && event.startMs !== undefined && event.durationMs !== undefined) {
        lastWordEndMs = event.startMs + event.durationMs;
      }
    } else interim = text;
    return event.speechFinal ? endTurn(nowMs) : undefined;
  }

  return {
    handle(event, nowMs) {
      switch (event.type) {
        case 'speech-started':
          // A VAD blip with no words since: this onset is the one that counts.
          if (!heardWords) speechStartedAt = nowMs;
          return undefined;
        case 'transcript':
          return onTranscript(event, nowMs);
        case 'utterance-end':
          if (event.lastWordEndMs !== undefined && finals.length > 0) lastWordEndMs = event.lastWordEndMs;
          return finals.length > 0 ? endTurn(nowMs) : resetIfSilent();
        case 'closed':
          reset();
          return undefined;
      }
    },
    interruption(nowMs) {
      const words = [...finals, interim].join(' ').trim();
      if (!words || isBackchannel(words) || speechStartedAt === undefined) return { due: false };
      const spoken = spokenMs(nowMs);
      if (spoken >= options.minSpeechMs) return { due: true };
      return { due: false, retryInMs: options.minSpeechMs - spoken };
    },
    hasWords: (event) => event.type === 'transcript' && event.text.trim().length > 0,
    takePending() {
      const text = [...finals, interim].join(' ').trim();
      reset();
      return text;
    },
    reset,
  };
}

/** Lower case, hyphens as spaces, letters/digits/apostrophes only. */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[-–]/g, ' ')
    .replace(/[^\p{L}\p{N}'\s]/gu, '')
    .split(/\s+/)
    .filter(Boolean);
}

/** True when the text is made only of backchannel phrases ("mhm", "uh-huh", "yeah okay"). */
export function backchannelMatcher(backchannels: string[]): (text: string) => boolean {
  const phrases = backchannels.map(normalizeWords).filter((p) => p.length > 0);
  return (text) => {
    const words = normalizeWords(text);
    if (words.length === 0) return false;
    let i = 0;
    while (i < words.length) {
      const match = phrases
        .filter((p) => p.every((w, k) => words[i + k] === w))
        .reduce((best, p) => Math.max(best, p.length), 0);
      if (match === 0) return false;
      i += match;
    }
    return true;
  };
}
