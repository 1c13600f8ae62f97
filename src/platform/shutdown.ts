import type { Logger } from '../logger.ts';

/**
 * Everything started is pushed here with how to stop it; on shutdown the steps run in reverse
 * order, each guarded, so one failing step never leaves later resources running.
 */
export class ShutdownStack {
  private readonly steps: { name: string; stop: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  push(name: string, stop: () => Promise<void> | void): void {
    this.steps.push({ name, stop });
  }

  /** True once shutdown began: resources stopping now are expected to stop. */
  get stopping(): boolean {
    return this.running !== undefined;
  }

  /** Idempotent: a second call waits for the first. */
  run(): Promise<void> {
    this.running ??= this.unwind();
    return this.running;
  }

  private async unwind(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step.stop();
        this.logger.debug({ step: step.name }, 'stopped');
      } catch (err) {
        this.logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
  }
}
