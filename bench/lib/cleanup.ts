/**
 * Everything a benchmark opens (processes, ports, databases, temp dirs) is registered here as it
 * is opened and released in reverse order by `run()`, also on Ctrl-C, so a failed or interrupted
 * run leaves nothing behind.
 */
export class Cleanup {
  private readonly steps: { label: string; fn: () => unknown }[] = [];
  private running: Promise<void> | undefined;

  add(label: string, fn: () => unknown): void {
    this.steps.push({ label, fn });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const { label, fn } of this.steps.reverse()) {
        try {
          await fn();
        } catch (err) {
          process.stderr.write(`cleanup: ${label} failed: ${(err as Error).message}\n`);
        }
      }
      this.steps.length = 0;
    })();
    return this.running;
  }

  /** On SIGINT/SIGTERM: release everything, then exit. */
  onSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        process.stderr.write(`\n${signal}: cleaning up\n`);
        void this.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      });
    }
  }
}
