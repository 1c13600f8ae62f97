import { createLogger } from '../../../src/logger.ts';
import type { SttEvent, SttOptions, SttStream } from '../../../src/providers/ports.ts';
import { FRAME_BYTES, silence, speechLike } from '../../../src/sim/audio.ts';

export const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** Generous: these tests run beside Temporal and Postgres on a loaded two-core machine. */
export const WAIT_MS = 10_000;

export const sttOptions: SttOptions = {
  model: 'nova-3',
  language: 'en-US',
  endpointingMs: 200,
  utteranceEndMs: 1000,
  interimResults: true,
};

/** Collects a stream's events and lets a test wait for one without fixed sleeps. */
export class EventLog {
  readonly events: SttEvent[] = [];
  private waiters: { pred: (e: SttEvent) => boolean; resolve: (e: SttEvent) => void }[] = [];

  readonly push = (event: SttEvent): void => {
    this.events.push(event);
    for (const w of this.waiters.filter((w) => w.pred(event))) w.resolve(event);
    this.waiters = this.waiters.filter((w) => !w.pred(event));
  };

  waitFor(pred: (e: SttEvent) => boolean, timeoutMs = WAIT_MS): Promise<SttEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  transcripts(): Extract<SttEvent, { type: 'transcript' }>[] {
    return this.events.filter((e): e is Extract<SttEvent, { type: 'transcript' }> => e.type === 'transcript');
  }
}

/** Sends audio the way Twilio delivers it: 160-byte (20 ms) frames. Faster than real time is fine: the sim is audio-driven. */
export function sendFrames(stream: SttStream, audio: Uint8Array): void {
  for (let offset = 0; offset < audio.length; offset += FRAME_BYTES) {
    stream.sendAudio(audio.subarray(offset, offset + FRAME_BYTES));
  }
}

export function sendUtterance(stream: SttStream, text: string, trailingSilenceMs: number): void {
  sendFrames(stream, silence(100));
  sendFrames(stream, speechLike(text));
  sendFrames(stream, silence(trailingSilenceMs));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
