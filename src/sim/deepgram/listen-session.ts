import { createHash, type Hash } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Logger } from '../../logger.ts';
import { FRAME_BYTES, isSpeech } from '../audio.ts';
import type { ListenParams } from './listen-params.ts';
import {
  metadataMessage,
  resultsMessage,
  type SimWord,
  speechStartedMessage,
  utteranceEndMessage,
} from './messages.ts';
import type { SimDeepgramFaults, SimDeepgramStats } from './types.ts';
import { SimUtterance } from './utterance.ts';

const FRAME_MS = 20;
/** Close reason Deepgram uses when neither audio nor KeepAlive arrived in time (protocols.md 2.3). */
const IDLE_CLOSE_REASON = 'NET-0001: no audio or KeepAlive received within the timeout window (simulated)';

export interface ListenSessionConfig {
  ws: WebSocket;
  params: ListenParams;
  requestId: string;
  nextText: () => string;
  logger: Logger;
  stats: SimDeepgramStats;
  /** Read at connect time: a fault set later applies to later connections. */
  faults: SimDeepgramFaults;
  idleTimeoutMs: number;
  interimIntervalMs: number;
  msPerChar: number;
}

/**
 * One simulated live-transcription stream. It is driven by the audio itself, not the wall clock:
 * every 20 ms frame advances the stream's audio time, `isSpeech` decides speech or silence, and
 * endpointing / utterance-end fire after that much *audio* silence, exactly as the real service
 * only advances as audio arrives. Tests can therefore send audio faster than real time.
 */
export class SimListenSession {
  private audioMs = 0;
  private pending = new Uint8Array(0);
  private framesReceived = 0;
  private utterance: SimUtterance | undefined;
  private outbox: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;
  private dropTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly hash: Hash = createHash('sha256');
  private readonly createdAt = new Date();

  constructor(private readonly c: ListenSessionConfig) {
    c.ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    c.ws.on('close', () => this.dispose());
    c.ws.on('error', (error) => c.logger.warn({ err: error }, 'sim deepgram: socket error'));
    this.armIdle();
    if (c.faults.dropAfterMs !== undefined) {
      this.dropTimer = setTimeout(() => this.drop('dropAfterMs'), c.faults.dropAfterMs);
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    this.armIdle();
    if (isBinary) this.onAudio(data);
    else this.onControl(data.toString('utf8'));
  }

  private onAudio(data: Buffer): void {
    this.c.stats.audioBytes += data.length;
    this.c.stats.audioMessages++;
    this.hash.update(data);
    this.framesReceived++;
    const limit = this.c.faults.dropAfterFrames;
    if (limit !== undefined && this.framesReceived >= limit) {
      this.drop('dropAfterFrames');
      return;
    }
    const joined = new Uint8Array(this.pending.length + data.length);
    joined.set(this.pending);
    joined.set(data, this.pending.length);
    let offset = 0;
    for (; offset + FRAME_BYTES <= joined.length; offset += FRAME_BYTES) {
      this.onFrame(joined.subarray(offset, offset + FRAME_BYTES));
    }
    this.pending = joined.slice(offset);
  }

  private onFrame(frame: Uint8Array): void {
    const frameStartMs = this.audioMs;
    this.audioMs += FRAME_MS;
    if (isSpeech(frame)) this.onSpeechFrame(frameStartMs);
    else this.onSilenceFrame();
  }

  private onSpeechFrame(frameStartMs: number): void {
    const { params } = this.c;
    let u = this.utterance;
    if (!u || u.endpointed) {
      u = new SimUtterance(this.c.nextText(), frameStartMs, this.c.msPerChar, this.c.interimIntervalMs);
      this.utterance = u;
      if (params.vadEvents) this.send(speechStartedMessage(frameStartMs));
    }
    u.addSpeech(frameStartMs, FRAME_MS);
    if (params.interimResults && u.speechMs >= u.nextInterimAtSpeechMs) {
      u.nextInterimAtSpeechMs += this.c.interimIntervalMs;
      const words = u.pendingWords(u.heardCount());
      if (words.length > 0) this.sendResults(u, words, { isFinal: false, speechFinal: false });
    }
  }

  private onSilenceFrame(): void {
    const u = this.utterance;
    if (!u) return;
    const { endpointingMs, utteranceEndMs, interimResults } = this.c.params;
    const silentMs = this.audioMs - u.lastSpeechEndMs;
    if (!u.endpointed && endpointingMs !== false && silentMs >= endpointingMs) {
      u.endpointed = true;
      this.sendFinal(u, { speechFinal: true, upTo: u.words.length });
    }
    // UtteranceEnd needs interim results (protocols.md 2.1); it follows the last finalised word.
    if (utteranceEndMs === undefined || !interimResults) {
      if (u.endpointed) this.utterance = undefined;
      return;
    }
    if (silentMs >= utteranceEndMs) {
      if (!u.endpointed) this.sendFinal(u, { speechFinal: false, upTo: u.words.length });
      this.send(utteranceEndMessage(u.lastWordEndMs));
      this.utterance = undefined;
    }
  }

  private sendFinal(
    u: SimUtterance,
    opts: { speechFinal: boolean; upTo: number; fromFinalize?: boolean },
  ): void {
    const words = u.takeFinal(opts.upTo);
    this.sendResults(u, words, { isFinal: true, ...opts }, this.c.faults.finalDelayMs);
    u.segmentStartMs = this.audioMs;
  }

  private sendResults(
    u: SimUtterance | undefined,
    words: SimWord[],
    flags: { isFinal: boolean; speechFinal: boolean; fromFinalize?: boolean },
    delayMs?: number,
  ): void {
    const startMs = u?.segmentStartMs ?? this.audioMs;
    const message = resultsMessage({
      requestId: this.c.requestId,
      model: this.c.params.model,
      startMs,
      durationMs: this.audioMs - startMs,
      words,
      ...flags,
    });
    this.send(message, delayMs);
  }

  private onControl(text: string): void {
    let type: unknown;
    try {
      type = (JSON.parse(text) as { type?: unknown }).type;
    } catch {
      type = undefined;
    }
    const { stats } = this.c;
    if (type === 'KeepAlive') stats.keepAlives++;
    else if (type === 'Finalize') this.onFinalize();
    else if (type === 'CloseStream') this.onCloseStream();
    else {
      stats.unknownMessages++;
      this.c.logger.warn({ text: text.slice(0, 200) }, 'sim deepgram: unknown control message');
    }
  }

  private onFinalize(): void {
    this.c.stats.finalizes++;
    const u = this.utterance;
    if (u && !u.endpointed && u.heardCount() > u.emitted) {
      this.sendFinal(u, { speechFinal: false, upTo: u.heardCount(), fromFinalize: true });
      return;
    }
    // Nothing buffered: Deepgram still answers a Finalize with an empty final.
    this.sendResults(undefined, [], { isFinal: true, speechFinal: false, fromFinalize: true });
  }

  private onCloseStream(): void {
    this.c.stats.closeStreams++;
    const u = this.utterance;
    if (u && u.emitted < u.words.length) this.sendFinal(u, { speechFinal: false, upTo: u.words.length });
    this.utterance = undefined;
    this.send(
      metadataMessage({
        requestId: this.c.requestId,
        model: this.c.params.model,
        sha256: this.hash.copy().digest('hex'),
        durationMs: this.audioMs,
        createdAt: this.createdAt,
      }),
    );
    this.closing = true;
    this.outbox = this.outbox.then(() => this.c.ws.close(1000));
  }

  /** Messages leave in order; a delayed final holds back everything queued after it. */
  private send(message: Record<string, unknown>, delayMs?: number): void {
    this.outbox = this.outbox.then(async () => {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (this.c.ws.readyState === this.c.ws.OPEN) this.c.ws.send(JSON.stringify(message));
    });
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.c.stats.idleCloses++;
      this.c.logger.info({ requestId: this.c.requestId }, 'sim deepgram: idle timeout, closing');
      this.closing = true;
      this.c.ws.close(1011, IDLE_CLOSE_REASON);
    }, this.c.idleTimeoutMs);
  }

  private drop(fault: string): void {
    this.c.stats.drops++;
    this.c.logger.info({ requestId: this.c.requestId, fault }, 'sim deepgram: dropping socket (fault)');
    this.closing = true;
    this.c.ws.terminate();
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.dropTimer);
    this.closing = true;
  }
}
