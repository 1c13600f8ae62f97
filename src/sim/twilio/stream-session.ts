/**
 * The Media Streams side of the simulated caller: one WebSocket, one 20 ms clock that sends a
 * caller frame, plays a frame of agent audio and moves the script along on every tick.
 */
import type WebSocket from 'ws';
import type { Logger } from '../../logger.ts';
import { FRAME_BYTES, MULAW_SILENCE, speechLike } from '../audio.ts';
import { Playback } from './playback.ts';
import { type CallerTimeline, closeHeard, recordHeard, type SaidUtterance } from './timeline.ts';

const FRAME_MS = 20;
const SILENCE_FRAME = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
/** Most caller frames are silence: its base64 is computed once, not 50 times a second per call. */
const SILENCE_PAYLOAD = Buffer.from(SILENCE_FRAME).toString('base64');

/** When a step runs; every condition given must hold. Without any, it runs at once. */
export interface StepTrigger {
  /** Time since the previous step finished (for `say`, since the caller stopped speaking). */
  afterMs?: number;
  /** The agent has spoken since the previous step and then been silent this long. */
  afterAgentSilenceMs?: number;
  /** The agent has been playing this long: speaking now is a barge-in. */
  afterAgentSpeechMs?: number;
}

export type CallerScriptStep = StepTrigger &
  ({ say: string; msPerChar?: number } | { dtmf: string } | { hangUp: true });

export interface StreamSessionOptions {
  socket: WebSocket;
  timeline: CallerTimeline;
  accountSid: string;
  script: CallerScriptStep[];
  stepTimeoutMs: number;
  msPerChar?: number | undefined;
  log: Logger;
}

export class StreamSession {
  private readonly playback = new Playback();
  private readonly tl: CallerTimeline;
  private startedAt = 0;
  private ticks = 0;
  private sequence = 0;
  private timer: NodeJS.Timeout | undefined;
  private speaking: { audio: Uint8Array; offset: number; said: SaidUtterance } | undefined;
  private stepIndex = 0;
  private stepStartedAtMs = 0;
  private agentHeardSinceStep = false;
  private agentPlaying = false;
  private agentStretchStartMs = 0;
  private lastAgentAudioMs = Number.NEGATIVE_INFINITY;
  private opened = false;
  private streamSidJson: string | undefined;
  private ending = false;
  private failure: Error | undefined;
  private settle: { resolve: (t: CallerTimeline) => void; reject: (e: Error) => void } | undefined;
  private readonly finished: Promise<CallerTimeline>;

  constructor(private readonly options: StreamSessionOptions) {
    this.tl = options.timeline;
    this.finished = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    const { socket } = options;
    socket.on('open', () => this.onOpen());
    socket.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    socket.on('error', (error) => {
      this.failure ??= this.opened ? undefined : error;
      options.log.debug({ err: error }, 'simulated caller socket error');
    });
    socket.on('close', (code, reason) => this.onClose(code, reason.toString()));
  }

  run(): Promise<CallerTimeline> {
    return this.finished;
  }

  /** The caller hangs up: Twilio sends `stop`, then closes the socket. */
  hangUp(): void {
    if (this.ending) return;
    this.tl.events.push({ type: 'hung-up', atMs: this.nowMs() });
    this.stop();
  }

  /** A REST update ended the call or replaced its TwiML: the stream stops the same way. */
  endByApi(reason: 'completed' | 'redirected'): void {
    if (this.ending) return;
    this.tl.events.push({ type: 'stream-ended-by-api', atMs: this.nowMs(), reason });
    this.stop();
  }

  private nowMs(): number {
    return this.opened ? performance.now() - this.startedAt : 0;
  }

  private send(frame: object): void {
    this.sendText(JSON.stringify(frame));
  }

  private sendText(text: string): void {
    if (this.options.socket.readyState === 1) this.options.socket.send(text);
  }

  private nextSequence(): string {
    this.sequence += 1;
    return String(this.sequence);
  }

  private stop(): void {
    this.ending = true;
    clearTimeout(this.timer);
    if (this.opened) {
      const { callSid, streamSid } = this.tl;
      const stop = { accountSid: this.options.accountSid, callSid };
      this.send({ event: 'stop', sequenceNumber: this.nextSequence(), streamSid, stop });
    }
    this.options.socket.close(1000, 'call ended');
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.stop();
  }

  private onOpen(): void {
    this.opened = true;
    this.startedAt = performance.now();
    const { callSid, streamSid, customParameters } = this.tl;
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.tl.events.push({ type: 'connected', atMs: 0 });
    const mediaFormat = { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 };
    const start = {
      accountSid: this.options.accountSid,
      streamSid,
      callSid,
      tracks: ['inbound'],
      customParameters,
      mediaFormat,
    };
    this.send({ event: 'start', sequenceNumber: this.nextSequence(), streamSid, start });
    this.tl.events.push({ type: 'started', atMs: 0 });
    this.loop();
  }

  private onClose(code: number, reason: string): void {
    this.ending = true;
    clearTimeout(this.timer);
    this.tl.closeCode = code;
    this.tl.closeReason = reason;
    this.tl.events.push({ type: 'closed', atMs: this.nowMs(), code, reason });
    if (this.failure) this.settle?.reject(this.failure);
    else this.settle?.resolve(this.tl);
  }

  /** Real-time pacing: after a stall, catch up on missed ticks so the average rate stays 50/s. */
  private loop = (): void => {
    this.timer = undefined;
    const due = Math.floor(this.nowMs() / FRAME_MS) + 1 - this.ticks;
    for (let i = 0; i < due && !this.ending; i++) this.tick();
    if (this.ending) return;
    this.timer = setTimeout(this.loop, Math.max(0, this.ticks * FRAME_MS - this.nowMs()));
  };

  private tick(): void {
    const atMs = this.ticks * FRAME_MS;
    this.ticks += 1;
    this.playTick(atMs);
    this.sendCallerFrame(atMs);
    this.advanceScript(atMs);
  }

  private playTick(atMs: number): void {
    const { playedBytes, marks } = this.playback.play(FRAME_BYTES);
    if (playedBytes > 0) {
      recordHeard(this.tl, playedBytes);
      if (!this.agentPlaying) this.agentStarted(atMs);
      this.lastAgentAudioMs = atMs + FRAME_MS;
      this.agentHeardSinceStep = true;
    } else if (this.agentPlaying) {
      this.agentPlaying = false;
      this.tl.events.push({ type: 'agent-audio-end', atMs });
    }
    for (const name of marks) this.echoMark(name, false, atMs);
  }

  private agentStarted(atMs: number): void {
    this.agentPlaying = true;
    this.agentStretchStartMs = atMs;
    this.tl.events.push({ type: 'agent-audio-start', atMs });
    const said = this.tl.said.at(-1);
    if (said?.endedAtMs !== undefined && said.agentReplyAtMs === undefined) {
      said.agentReplyAtMs = atMs;
      said.latencyMs = atMs - said.endedAtMs;
    }
  }

  private sendCallerFrame(atMs: number): void {
    let payload = SILENCE_PAYLOAD;
    const speaking = this.speaking;
    if (speaking) {
      const frame = new Uint8Array(SILENCE_FRAME);
      frame.set(speaking.audio.subarray(speaking.offset, speaking.offset + FRAME_BYTES));
      payload = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64');
      speaking.offset += FRAME_BYTES;
      if (speaking.offset >= speaking.audio.length) {
        speaking.said.endedAtMs = atMs + FRAME_MS;
        this.speaking = undefined;
        this.completeStep(atMs + FRAME_MS);
      }
    }
    // The frame Twilio sends, built as a string (this runs 50 times a second per simulated call).
    this.streamSidJson ??= JSON.stringify(this.tl.streamSid);
    const sequence = this.nextSequence();
    this.sendText(
      `{"event":"media","sequenceNumber":"${sequence}","streamSid":${this.streamSidJson},"media":` +
        `{"track":"inbound","chunk":"${this.ticks}","timestamp":"${atMs}","payload":"${payload}"}}`,
    );
    this.tl.mediaSentAtMs.push(this.nowMs());
  }

  private completeStep(atMs: number): void {
    this.stepIndex += 1;
    this.stepStartedAtMs = atMs;
    this.agentHeardSinceStep = false;
  }

  private ready(step: StepTrigger, atMs: number): boolean {
    if (step.afterMs !== undefined && atMs - this.stepStartedAtMs < step.afterMs) return false;
    if (step.afterAgentSilenceMs !== undefined) {
      if (!this.agentHeardSinceStep || this.agentPlaying) return false;
      if (atMs - this.lastAgentAudioMs < step.afterAgentSilenceMs) return false;
    }
    if (step.afterAgentSpeechMs !== undefined) {
      if (!this.agentPlaying || atMs - this.agentStretchStartMs < step.afterAgentSpeechMs) return false;
    }
    return true;
  }

  private advanceScript(atMs: number): void {
    const step = this.options.script[this.stepIndex];
    if (!step || this.speaking || this.ending) return;
    if (!this.ready(step, atMs)) {
      if (atMs - this.stepStartedAtMs > this.options.stepTimeoutMs) {
        this.fail(new Error(`simulated caller: script step ${this.stepIndex} never became ready`));
      }
      return;
    }
    if ('say' in step) {
      const said: SaidUtterance = { text: step.say, startedAtMs: atMs, interrupted: this.agentPlaying };
      this.tl.said.push(said);
      const msPerChar = step.msPerChar ?? this.options.msPerChar;
      this.speaking = { audio: speechLike(step.say, msPerChar ? { msPerChar } : {}), offset: 0, said };
    } else if ('dtmf' in step) {
      for (const digit of step.dtmf) this.sendDtmf(digit, atMs);
      this.completeStep(atMs);
    } else {
      this.hangUp();
    }
  }

  private sendDtmf(digit: string, atMs: number): void {
    const dtmf = { track: 'inbound_track', digit };
    this.send({ event: 'dtmf', sequenceNumber: this.nextSequence(), streamSid: this.tl.streamSid, dtmf });
    this.tl.events.push({ type: 'dtmf', atMs, digit });
  }

  private echoMark(name: string, afterClear: boolean, atMs: number): void {
    const { streamSid } = this.tl;
    this.send({ event: 'mark', sequenceNumber: this.nextSequence(), streamSid, mark: { name } });
    closeHeard(this.tl, name, afterClear);
    this.tl.events.push({ type: 'mark-echoed', atMs, name, afterClear });
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const frame = isBinary ? undefined : parseJson(data);
    if (!frame) this.problem('frame is not JSON text');
    else if (frame.streamSid !== this.tl.streamSid)
      this.problem(`frame for stream ${String(frame.streamSid)}`);
    else if (frame.event === 'media' && typeof frame.media?.payload === 'string') {
      this.onAgentAudio(frame.media.payload);
    } else if (frame.event === 'mark' && typeof frame.mark?.name === 'string') {
      for (const name of this.playback.addMark(frame.mark.name)) this.echoMark(name, false, this.nowMs());
    } else if (frame.event === 'clear') this.onClear();
    else this.problem(`unexpected ${String(frame.event)} frame`);
  }

  private problem(detail: string): void {
    this.tl.events.push({ type: 'protocol-problem', atMs: this.nowMs(), detail });
  }

  private onAgentAudio(payload: string): void {
    const audio = Buffer.from(payload, 'base64');
    if (audio.subarray(0, 4).toString('latin1') === 'RIFF') this.tl.wavHeaders += 1;
    this.tl.agentBytesReceived += audio.length;
    this.playback.addAudio(new Uint8Array(audio));
  }

  private onClear(): void {
    const atMs = this.nowMs();
    const { droppedBytes, marks } = this.playback.clear();
    this.tl.events.push({ type: 'clear', atMs, droppedBytes });
    if (this.agentPlaying) {
      this.agentPlaying = false;
      this.lastAgentAudioMs = atMs;
      this.tl.events.push({ type: 'agent-audio-end', atMs });
    }
    for (const name of marks) this.echoMark(name, true, atMs);
  }
}

interface AgentFrame {
  event?: unknown;
  streamSid?: unknown;
  media?: { payload?: unknown };
  mark?: { name?: unknown };
}

function parseJson(data: Buffer): AgentFrame | undefined {
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    return value !== null && typeof value === 'object' ? (value as AgentFrame) : undefined;
  } catch {
    return undefined;
  }
}
