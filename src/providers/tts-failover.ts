import { ProviderError, type ProviderErrorKind } from '../domain/errors.ts';
import type { Logger } from '../logger.ts';
import type { TextToSpeech, TtsRequest } from './ports.ts';

export interface FailoverSwitch {
  from: string;
  to: string;
  reason: 'error' | 'first-byte-timeout' | 'stall';
  /** The primary's error kind, when it failed with an error. */
  kind?: ProviderErrorKind;
  /** Some of the sentence had already been played from the primary (the rest of it is lost). */
  midSentence: boolean;
}

export interface FailoverTtsOptions {
  primary: TextToSpeech;
  fallback: TextToSpeech;
  /** The primary must produce its first audio byte within this long, or the call switches. */
  firstByteTimeoutMs: number;
  /** Optional: longest gap between chunks once audio flows; unset means gaps are not watched. */
  stallTimeoutMs?: number;
  logger: Logger;
  /** For metrics; called once, at the switch. */
  onSwitch?: (event: FailoverSwitch) => void;
}

export type FailoverTts = TextToSpeech & { readonly active: string; readonly switches: number };

type Step =
  | { kind: 'chunk'; chunk: Uint8Array }
  | { kind: 'end' }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'aborted' };

/** What happened to a sentence on the primary: finished there, or failed after `yieldedBytes`. */
type PrimaryOutcome = { failed: false } | { failed: true; yieldedBytes: number };

/**
 * One instance per call. Uses the primary until it fails (an error before or during a stream, no
 * first byte in time, or an optional stall), then the fallback for the rest of the call: a vendor
 * that just failed is likely to fail the next sentence too, and flapping between voices mid-call
 * sounds worse than one change. Policy for the failing sentence: if none of its audio was played,
 * it is synthesised again on the fallback; if some was, that sentence ends where the primary
 * stopped (replaying its start in a new voice would be worse) and the fallback takes the next one.
 * The fallback's own failures are not caught. An abort by the caller is never a vendor failure.
 */
export function createFailoverTts(options: FailoverTtsOptions): FailoverTts {
  return new FailoverTextToSpeech(options);
}

class FailoverTextToSpeech implements TextToSpeech {
  readonly name: string;
  private usingFallback = false;
  private switchCount = 0;

  constructor(private readonly options: FailoverTtsOptions) {
    this.name = `failover(${options.primary.name},${options.fallback.name})`;
  }

  get active(): string {
    return this.usingFallback ? this.options.fallback.name : this.options.primary.name;
  }

  get switches(): number {
    return this.switchCount;
  }

  async *synthesize(request: TtsRequest): AsyncGenerator<Uint8Array> {
    if (!this.usingFallback) {
      const outcome = yield* this.tryPrimary(request);
      if (!outcome.failed || outcome.yieldedBytes > 0) return;
    }
    yield* this.options.fallback.synthesize(request);
  }

  private async *tryPrimary(request: TtsRequest): AsyncGenerator<Uint8Array, PrimaryOutcome> {
    const attempt = new AbortController();
    const callerSignal = request.signal;
    const onCallerAbort = (): void => attempt.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    const iterator = this.options.primary
      .synthesize({ ...request, signal: attempt.signal })
      [Symbol.asyncIterator]();
    let yieldedBytes = 0;
    let ended = false;
    try {
      for (;;) {
        const deadlineMs = yieldedBytes === 0 ? this.options.firstByteTimeoutMs : this.options.stallTimeoutMs;
        const step = await nextWithin(iterator, deadlineMs, callerSignal);
        if (step.kind === 'chunk') {
          yieldedBytes += step.chunk.length;
          yield step.chunk;
        } else if (step.kind === 'end') {
          ended = true;
          return { failed: false };
        } else if (step.kind === 'aborted' || callerSignal?.aborted) {
          throw this.abortedError(step);
        } else {
          this.switchToFallback(step, yieldedBytes > 0);
          return { failed: true, yieldedBytes };
        }
      }
    } finally {
      callerSignal?.removeEventListener('abort', onCallerAbort);
      // Stops a stalled or abandoned primary request. A finished one is left alone: the abort
      // would only cascade through the SDK's signal listeners between this sentence and the next.
      if (!ended) {
        attempt.abort();
        iterator.return?.().catch(() => undefined);
      }
    }
  }

  private abortedError(step: Step): ProviderError {
    if (step.kind === 'error' && step.error instanceof ProviderError && step.error.kind === 'aborted') {
      return step.error;
    }
    return new ProviderError(this.name, 'aborted', 'request aborted', {
      cause: step.kind === 'error' ? step.error : undefined,
    });
  }

  private switchToFallback(
    step: { kind: 'error'; error: unknown } | { kind: 'timeout' },
    midSentence: boolean,
  ): void {
    // Two overlapping sentences can both see the primary fail; it is still one switch.
    if (this.usingFallback) return;
    this.usingFallback = true;
    this.switchCount++;
    const { primary, fallback } = this.options;
    const event: FailoverSwitch = {
      from: primary.name,
      to: fallback.name,
      reason: step.kind === 'error' ? 'error' : midSentence ? 'stall' : 'first-byte-timeout',
      midSentence,
    };
    if (step.kind === 'error' && step.error instanceof ProviderError) event.kind = step.error.kind;
    const err = step.kind === 'error' ? step.error : undefined;
    this.options.logger.warn(
      { ...event, err },
      'tts switched to the fallback vendor for the rest of the call',
    );
    this.options.onSwitch?.(event);
  }
}

/** The next chunk, or why there is none: the stream ended or failed, the deadline passed, or the caller aborted. */
async function nextWithin(
  iterator: AsyncIterator<Uint8Array>,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Step> {
  if (signal?.aborted) return { kind: 'aborted' };
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // Promise.race subscribes to every racer, so a next() that rejects after losing is handled.
  const racers: Promise<Step>[] = [
    iterator.next().then(
      (result): Step => (result.done ? { kind: 'end' } : { kind: 'chunk', chunk: result.value }),
      (error: unknown): Step => ({ kind: 'error', error }),
    ),
  ];
  if (timeoutMs !== undefined) {
    racers.push(
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
      }),
    );
  }
  if (signal) {
    racers.push(
      new Promise((resolve) => {
        onAbort = () => resolve({ kind: 'aborted' });
        signal.addEventListener('abort', onAbort);
      }),
    );
  }
  try {
    return await Promise.race(racers);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
