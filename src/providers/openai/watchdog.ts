/**
 * One abort controller for an HTTP stream that stops either when the caller aborts or when the
 * server goes quiet for longer than `idleMs` while we wait on it. The timer runs only while
 * waiting on the server, so a slow consumer never looks like a stalled vendor.
 */
export class StreamWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private expired = false;
  private drained = false;
  private readonly onCallerAbort = (): void => this.controller.abort(this.callerSignal?.reason);

  constructor(
    private readonly idleMs: number,
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    if (callerSignal?.aborted) this.controller.abort(callerSignal.reason);
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The caller gave up; never a vendor failure. */
  get callerAborted(): boolean {
    return this.callerSignal?.aborted === true;
  }

  get timedOut(): boolean {
    return this.expired;
  }

  arm(): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new Error(`no data from the server for ${this.idleMs} ms`));
    }, this.idleMs);
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The response was read to its end: there is no request left to stop. */
  complete(): void {
    this.drained = true;
  }

  /**
   * Stops the timer, and the HTTP request unless it was read to its end. Aborting a finished
   * request is not free: the abort cascades through the SDK's and the HTTP client's signal
   * listeners (a DOMException each), right when the reply's last sentence is on its way to TTS.
   */
  dispose(): void {
    this.disarm();
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    if (!this.drained) this.controller.abort();
  }
}
