import type {} from '@fastify/websocket';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Logger } from '../logger.ts';
import * as contract from '../workflows/call/contract.ts';
import { createInboundGuard, type InboundFrame, parseInboundFrame } from './media/protocol.ts';
import type { StreamTokens } from './media/stream-token.ts';
import type { CallSession } from './session/types.ts';

export interface MediaCall {
  session: CallSession;
  /** Runs after the session stopped: flush stored turns and the like. */
  release(): Promise<void>;
}

export interface StartedStream {
  callSid: string;
  streamSid: string;
  send(frameJson: string): void;
  /** The session asks to end the call: we close the stream and Twilio hangs up. */
  hangUp(reason: string): void;
}

export interface MediaSocketDeps {
  tokens: StreamTokens;
  client: Client;
  logger: Logger;
  createCall(stream: StartedStream): Promise<MediaCall>;
  nodeId: string;
  heartbeatIntervalMs?: number;
  /** A stream that sends nothing (Twilio sends audio every 20 ms) for this long is dead. */
  idleTimeoutMs?: number;
  /**
   * Checks the upgrade request's X-Twilio-Signature (Twilio signs the wss URL with no
   * parameters) before the socket opens; the per-call token is checked on `start` regardless.
   */
  verifyUpgrade?: (request: { url: string; signature: string | string[] | undefined }) => boolean;
}

/** Two seconds of caller audio: what can arrive while the call session is being built. */
const EARLY_AUDIO_BYTES = 16_000;

/** The Media Streams WebSocket: one connection per call, each owning one call session. */
export async function mediaSocket(app: FastifyInstance, deps: MediaSocketDeps): Promise<void> {
  const preValidation = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!deps.verifyUpgrade) return;
    if (!deps.verifyUpgrade({ url: req.url, signature: req.headers['x-twilio-signature'] })) {
      deps.logger.warn('refused a media stream upgrade without a valid Twilio signature');
      return reply.code(403).send({ error: { status: 403, message: 'invalid Twilio signature' } });
    }
  };
  app.get('/twilio/media', { websocket: true, preValidation }, (socket) => {
    // Attached synchronously in the handler: Twilio sends `connected` and `start` at once.
    new MediaConnection(socket, deps).attach();
  });
}

class MediaConnection {
  private readonly guard = createInboundGuard();
  private call?: MediaCall;
  private callSid?: string;
  private ending?: Promise<void>;
  private heartbeat?: NodeJS.Timeout;
  private started?: Promise<void>;
  private readonly earlyAudio: Uint8Array[] = [];
  private earlyAudioBytes = 0;
  private idle?: NodeJS.Timeout;
  private lastFrameAt = 0;
  private readonly idleTimeoutMs: number;
  private log: Logger;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: MediaSocketDeps,
  ) {
    this.log = deps.logger;
    this.idleTimeoutMs = deps.idleTimeoutMs ?? 15_000;
  }

  attach(): void {
    this.socket.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    this.socket.on('close', () => void this.end('socket closed'));
    this.socket.on('error', (err) => this.log.warn({ err }, 'media socket error'));
    this.touch();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    // A refused or ended stream may still deliver frames that were in flight: ignore them, so a
    // trailing `start` cannot spend a token or build a session for a closing socket.
    if (this.ending) return;
    this.touch();
    const parsed = parseInboundFrame(data, isBinary);
    if (!parsed.ok) {
      this.refuse(parsed.closeCode, parsed.reason);
      return;
    }
    const order = this.guard.accept(parsed.frame);
    if (!order.ok) {
      this.refuse(order.closeCode, order.reason);
      return;
    }
    this.dispatch(parsed.frame, parsed.audio);
  }

  private dispatch(frame: InboundFrame, audio: Uint8Array | undefined): void {
    const session = this.call?.session;
    switch (frame.event) {
      case 'start':
        this.onStart(frame.start.callSid, frame.start.streamSid, frame.start.customParameters.token);
        break;
      case 'media':
        if (audio && frame.media.track !== 'outbound') this.onAudio(audio);
        break;
      case 'mark':
        session?.onMark(frame.mark.name);
        break;
      case 'dtmf':
        session?.onDtmf(frame.dtmf.digit);
        break;
      case 'stop':
        void this.end('stop frame');
        break;
    }
  }

  private onStart(callSid: string, streamSid: string, token: string | undefined): void {
    const verdict = this.deps.tokens.verify(token ?? '', callSid);
    if (!verdict.ok) {
      this.refuse(1008, `stream token ${verdict.reason}`);
      return;
    }
    this.callSid = callSid;
    this.log = this.deps.logger.child({ callSid, workflowId: contract.callWorkflowId(callSid) });
    const stream: StartedStream = {
      callSid,
      streamSid,
      send: (frame) => this.socket.readyState === this.socket.OPEN && this.socket.send(frame),
      hangUp: (reason) => void this.end(reason),
    };
    this.deps
      .createCall(stream)
      .then(async (call) => {
        if (this.ending) return call.session.stop('stream ended during set-up').then(() => call.release());
        this.call = call;
        // Start first so the caller's first words (buffered meanwhile) reach STT at once.
        const starting = call.session.start();
        for (const chunk of this.earlyAudio.splice(0)) call.session.onAudio(chunk);
        this.started = this.signal('mediaStarted', (h) =>
          h.signal(contract.mediaStartedSignal, { streamSid, node: this.deps.nodeId }),
        );
        await this.started;
        if (this.ending) return;
        this.heartbeat = setInterval(
          () => void this.signal('mediaHeartbeat', (h) => h.signal(contract.mediaHeartbeatSignal)),
          this.deps.heartbeatIntervalMs ?? 10_000,
        );
        await starting;
      })
      .catch((err: unknown) => {
        this.log.error({ err }, 'could not start the call session');
        void this.end('session failed to start');
      });
  }

  /** Audio before the session exists is kept (up to EARLY_AUDIO_BYTES) instead of lost. */
  private onAudio(audio: Uint8Array): void {
    if (this.call) {
      this.call.session.onAudio(audio);
      return;
    }
    this.earlyAudioBytes += audio.byteLength;
    if (this.earlyAudioBytes <= EARLY_AUDIO_BYTES) this.earlyAudio.push(audio);
  }

  private end(reason: string): Promise<void> {
    this.ending ??= this.release(reason);
    return this.ending;
  }

  private async release(reason: string): Promise<void> {
    clearInterval(this.heartbeat);
    clearTimeout(this.idle);
    this.earlyAudio.length = 0;
    if (this.call) {
      await this.call.session
        .stop(reason)
        .catch((err: unknown) => this.log.error({ err }, 'session stop failed'));
      await this.call.release().catch((err: unknown) => this.log.error({ err }, 'call release failed'));
    }
    if (this.callSid)
      await this.signal('mediaStopped', (h) => h.signal(contract.mediaStoppedSignal, { reason }));
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(1000, 'call ended');
    this.log.info({ reason }, 'media stream ended');
  }

  private refuse(code: number, reason: string): void {
    this.log.warn({ code, reason }, 'refused media stream frame');
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason.slice(0, 120));
    void this.end(`refused: ${reason}`);
  }

  /**
   * Called for every frame (50 a second per call), so it only notes the time; the idle timer is
   * armed once and, when it fires, re-arms itself for whatever is left of the window.
   */
  private touch(): void {
    this.lastFrameAt = performance.now();
    this.idle ??= setTimeout(this.checkIdle, this.idleTimeoutMs);
  }

  private readonly checkIdle = (): void => {
    const quietMs = performance.now() - this.lastFrameAt;
    if (quietMs < this.idleTimeoutMs) {
      this.idle = setTimeout(this.checkIdle, this.idleTimeoutMs - quietMs);
      return;
    }
    this.log.warn('media stream idle; closing it');
    this.socket.terminate();
    void this.end('idle timeout');
  };

  private async signal(name: string, send: (handle: WorkflowHandle) => Promise<void>): Promise<void> {
    try {
      await send(this.deps.client.workflow.getHandle(contract.callWorkflowId(this.callSid as string)));
    } catch (err) {
      this.log.warn({ err, signal: name }, 'could not signal the call workflow');
    }
  }
}
