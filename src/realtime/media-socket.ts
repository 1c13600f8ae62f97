import type {} from '@fastify/websocket';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
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
}

/** The Media Streams WebSocket: one connection per call, each owning one call session. */
export async function mediaSocket(app: FastifyInstance, deps: MediaSocketDeps): Promise<void> {
  app.get('/twilio/media', { websocket: true }, (socket) => {
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
  private idle?: NodeJS.Timeout;
  private log: Logger;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: MediaSocketDeps,
  ) {
    this.log = deps.logger;
  }

  attach(): void {
    this.socket.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    this.socket.on('close', () => void this.end('socket closed'));
    this.socket.on('error', (err) => this.log.warn({ err }, 'media socket error'));
    this.touch();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
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
        if (audio && frame.media.track !== 'outbound') session?.onAudio(audio);
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
        await this.signal('mediaStarted', (h) =>
          h.signal(contract.mediaStartedSignal, { streamSid, node: this.deps.nodeId }),
        );
        this.heartbeat = setInterval(
          () => void this.signal('mediaHeartbeat', (h) => h.signal(contract.mediaHeartbeatSignal)),
          this.deps.heartbeatIntervalMs ?? 10_000,
        );
        await call.session.start();
      })
      .catch((err: unknown) => {
        this.log.error({ err }, 'could not start the call session');
        void this.end('session failed to start');
      });
  }

  private end(reason: string): Promise<void> {
    this.ending ??= this.release(reason);
    return this.ending;
  }

  private async release(reason: string): Promise<void> {
    clearInterval(this.heartbeat);
    clearTimeout(this.idle);
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

  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.log.warn('media stream idle; closing it');
      this.socket.terminate();
      void this.end('idle timeout');
    }, this.deps.idleTimeoutMs ?? 15_000);
  }

  private async signal(name: string, send: (handle: WorkflowHandle) => Promise<void>): Promise<void> {
    try {
      await send(this.deps.client.workflow.getHandle(contract.callWorkflowId(this.callSid as string)));
    } catch (err) {
      this.log.warn({ err, signal: name }, 'could not signal the call workflow');
    }
  }
}
