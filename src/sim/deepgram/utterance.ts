import type { SimWord } from './messages.ts';

/**
 * One scripted utterance as the sim recogniser tracks it. Words are "heard" in proportion to the
 * speech audio received so far (the tone burst lasts as long as the text takes to say), and each
 * final hands out the words not yet finalised, so consecutive finals never repeat words.
 */
export class SimUtterance {
  readonly words: string[];
  private readonly expectedMs: number;
  speechMs = 0;
  lastSpeechEndMs: number;
  /** Where the audio span of the next Results message starts. */
  segmentStartMs: number;
  /** Count of words already sent in a final. */
  emitted = 0;
  lastWordEndMs: number;
  /** Endpointing fired: only an UtteranceEnd (or new speech) can follow. */
  endpointed = false;
  nextInterimAtSpeechMs: number;

  constructor(
    readonly text: string,
    readonly startMs: number,
    msPerChar: number,
    interimIntervalMs: number,
  ) {
    this.words = text.split(/\s+/).filter((w) => w.length > 0);
    this.expectedMs = Math.max(20, text.length * msPerChar);
    this.lastSpeechEndMs = startMs;
    this.segmentStartMs = startMs;
    this.lastWordEndMs = startMs;
    this.nextInterimAtSpeechMs = interimIntervalMs;
  }

  addSpeech(frameStartMs: number, frameMs: number): void {
    this.speechMs += frameMs;
    this.lastSpeechEndMs = frameStartMs + frameMs;
  }

  heardCount(): number {
    const share = Math.min(1, this.speechMs / this.expectedMs);
    return Math.min(this.words.length, Math.max(1, Math.ceil(this.words.length * share)));
  }

  /** Words from the last final up to `upTo`, with times spread evenly over the speech heard. */
  pendingWords(upTo: number): SimWord[] {
    const n = Math.max(1, this.words.length);
    const slotMs = Math.max(20, this.lastSpeechEndMs - this.startMs) / n;
    const out: SimWord[] = [];
    for (let i = this.emitted; i < upTo; i++) {
      const startMs = this.startMs + i * slotMs;
      out.push({ word: this.words[i] ?? '', startMs, endMs: startMs + slotMs * 0.9 });
    }
    return out;
  }

  /** Marks words as finalised and returns them. */
  takeFinal(upTo: number): SimWord[] {
    const words = this.pendingWords(upTo);
    this.emitted = Math.max(this.emitted, upTo);
    const last = words.at(-1);
    if (last) this.lastWordEndMs = last.endMs;
    return words;
  }
}
