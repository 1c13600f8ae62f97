/**
 * Makes an abort take effect now, even when a provider is slow to honour its signal: a barge-in
 * that waits for the LLM's next token is a barge-in the caller talks over.
 */

export class AbortedError extends Error {
  override name = 'AbortedError';
}

/** Rejects with AbortedError as soon as `signal` aborts, whatever `promise` is doing. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new AbortedError('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Iterates `source`, stopping with AbortedError on abort and telling the source to stop. */
export async function* abortableIterate<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = await abortable(iterator.next(), signal);
      if (step.done) return;
      yield step.value;
    }
  } finally {
    // Fire and forget: a generator blocked in an await finishes its return() when it wakes.
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

export function isAbortError(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  if (error instanceof AbortedError) return true;
  if (error instanceof Error && error.name === 'AbortError') return true;
  return (error as { kind?: unknown } | null)?.kind === 'aborted';
}
