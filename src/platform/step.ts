import { StartupError } from '../domain/errors.ts';
import type { Logger } from '../logger.ts';

/**
 * Runs one start-up step and turns any failure into a one-line StartupError that says which
 * step failed and why, so the launcher never shows a bare stack trace.
 */
export async function step<T>(logger: Logger, name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    logger.debug({ step: name, ms: Math.round(performance.now() - started) }, 'start-up step done');
    return result;
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(`${name} failed: ${describeError(err)}`, { cause: err });
  }
}

export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeError(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = err.message || code || err.name;
    return (code && !message.includes(code) ? `${message} (${code})` : message).split('\n')[0] ?? message;
  }
  return String(err);
}
