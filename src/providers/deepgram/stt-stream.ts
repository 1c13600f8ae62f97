import { ProviderError } from '../../domain/errors.ts';
import type { Logger } from '../../logger.ts';
import type { SttEvent, SttStream } from '../ports.ts';
import { PROVIDER } from './client.ts';
import { handshakeError, unexpectedCloseError } from './errors.ts';
import { messageType, toSttEvent } from './stt-messages.ts';

/** The part of the SDK's live socket this stream drives (V1Socket in @deepgram/sdk v5). */
export interface ListenSocket {
  on(event: 'open', cb: () => void): void;
  on(event: 'message', cb: (message: unknown) => void): void;
  on(event: 'close', cb: (event: { code?: number; reason?: string }) => void): void;
  on(event: 'error', cb: (error: Error) => void): void;
  connect(): unknown;
  close(): void;
  sendMedia(data: ArrayBufferView): void;
  sendFinalize(message: { type: 'Finalize' }): void;
  sendKeepAlive(message: { type: 'KeepAlive' }): void;
  sendCloseStream(message: { type: 'CloseStream' }): void;
}

export interface LiveStreamTiming {
  connectTimeoutMs: number;
  keepAliveIntervalMs: number;
  closeTimeoutMs: number;
}

type State = 'opening' | 'open' | 'closing' | 'closed';

/**
 * One Deepgram live stream. The SDK reports a failure as a synthetic close(1000) followed by an
 * error in the same tick, so close and error are gathered and settled together on the next
 * turn of the event loop: the session sees exactly one `closed` event, carrying the error.
 */
export class DeepgramLiveStream implements SttStream {
  private state: State = 'opening';
  private pendingError: Error | undefined;
  private closeInfo: { code?: number; reason?: string } | undefined;
  private settling = false;
  private opening: { resolve: () => void; reject: (error: ProviderError) => void } | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private audioSinceTick = false;
  private resolveClosed: () => void = () => {};
  private readonly closed = new Promise<void>((resolve) => {
    this.resolveClosed = resolve;
  });

  constructor(
    private readonly sock: ListenSocket,
    private readonly onEvent: (event: SttEvent) => void,
    private readonly logger: Logger,
    private readonly timing: LiveStreamTiming,
  ) {
    sock.on('open', () => this.handleOpen());
    sock.on('message', (message) => this.handleMessage(message));
    sock.on('close', (event) => this.handleClose(event));
    sock.on('error', (error) => this.handleError(error));
  }

  /** Connects; resolves once Deepgram accepted the handshake. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.opening = { resolve, reject };
      this.connectTimer = setTimeout(() => {
        this.failOpen(
          new ProviderError(
            PROVIDER,
            'timeout',
            `connect timed out after ${this.timing.connectTimeoutMs} ms`,
          ),
        );
      }, this.timing.connectTimeoutMs);
      this.sock.connect();
    });
  }

  /** Runs for every audio message: no closure per call, unlike the rarer control messages. */
  sendAudio(mulaw: Uint8Array): void {
    if (this.state !== 'open') return;
    this.audioSinceTick = true;
    try {
      this.sock.sendMedia(mulaw);
    } catch (error) {
      this.logger.debug({ err: error }, 'deepgram send skipped: socket not open');
    }
  }

  finalize(): void {
    if (this.state === 'open') this.trySend(() => this.sock.sendFinalize({ type: 'Finalize' }));
  }

  /** CloseStream makes Deepgram flush its last finals and Metadata before it closes the socket. */
  close(): Promise<void> {
    if (this.state === 'open') {
      this.state = 'closing';
      clearInterval(this.keepAliveTimer);
      this.trySend(() => this.sock.sendCloseStream({ type: 'CloseStream' }));
      this.closeTimer = setTimeout(() => {
        this.logger.warn(
          { timeoutMs: this.timing.closeTimeoutMs },
          'deepgram did not close the stream; forcing',
        );
        this.sock.close();
      }, this.timing.closeTimeoutMs);
    }
    return this.state === 'closed' ? Promise.resolve() : this.closed;
  }

  private trySend(send: () => void): void {
    try {
      send();
    } catch (error) {
      // The SDK throws when the socket is no longer open; the close event is on its way.
      this.logger.debug({ err: error }, 'deepgram send skipped: socket not open');
    }
  }

  private handleOpen(): void {
    if (this.state !== 'opening') return;
    this.state = 'open';
    clearTimeout(this.connectTimer);
    // Deepgram drops a stream after ~10 s with neither audio nor KeepAlive (NET-0001).
    this.keepAliveTimer = setInterval(() => {
      if (!this.audioSinceTick && this.state === 'open') {
        this.trySend(() => this.sock.sendKeepAlive({ type: 'KeepAlive' }));
      }
      this.audioSinceTick = false;
    }, this.timing.keepAliveIntervalMs);
    this.keepAliveTimer.unref();
    this.opening?.resolve();
  }

  private handleMessage(message: unknown): void {
    if (this.state === 'closed' || this.state === 'opening') return;
    const event = toSttEvent(message);
    if (event) {
      this.emit(event);
      return;
    }
    const type = messageType(message);
    if (type === 'Metadata') this.logger.debug({ metadata: message }, 'deepgram stream metadata');
    else if (type !== 'Results')
      this.logger.warn({ type: type ?? typeof message }, 'deepgram: unexpected message');
  }

  private handleClose(event: { code?: number; reason?: string }): void {
    if (this.state === 'closed') return;
    this.closeInfo ??= { code: event.code, reason: event.reason };
    this.scheduleSettle();
  }

  private handleError(error: Error): void {
    if (this.state === 'closed') return;
    this.pendingError ??= error;
    this.scheduleSettle();
  }

  private scheduleSettle(): void {
    if (this.settling) return;
    this.settling = true;
    setImmediate(() => this.settle());
  }

  private settle(): void {
    const previous = this.state;
    if (previous === 'closed') return;
    this.state = 'closed';
    this.cleanup();
    const code = this.closeInfo?.code;
    const reason = this.closeInfo?.reason ?? '';
    if (previous === 'opening') {
      this.opening?.reject(
        this.pendingError
          ? handshakeError(this.pendingError)
          : new ProviderError(PROVIDER, 'unavailable', `closed during handshake (code ${code ?? 'none'})`),
      );
      return;
    }
    if (previous === 'closing') {
      this.emit({ type: 'closed', code, reason });
    } else {
      const error = unexpectedCloseError(code, reason, this.pendingError);
      this.logger.warn({ err: error, code, reason }, 'deepgram stream closed unexpectedly');
      this.emit({ type: 'closed', code, reason, error });
    }
    this.resolveClosed();
  }

  private failOpen(error: ProviderError): void {
    if (this.state !== 'opening') return;
    this.state = 'closed';
    this.cleanup();
    this.opening?.reject(error);
  }

  private cleanup(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.closeTimer);
    clearInterval(this.keepAliveTimer);
    // Detaches the SDK's listeners; its synthetic close lands in handleClose and is ignored.
    this.sock.close();
  }

  private emit(event: SttEvent): void {
    try {
      this.onEvent(event);
    } catch (error) {
      this.logger.error({ err: error, event: event.type }, 'stt event handler threw');
    }
  }
}
