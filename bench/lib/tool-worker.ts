import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ToolWorkerStats } from './tool-worker-process.ts';

const SCRIPT = fileURLToPath(new URL('./tool-worker-process.ts', import.meta.url));

/** The production worker as a child process (tool-worker-process.ts), with its CPU time. */
export class ToolWorker {
  private constructor(private readonly proc: ChildProcess) {}

  static async start(env: Record<string, string>, timeoutMs = 180_000): Promise<ToolWorker> {
    const proc = fork(SCRIPT, [], {
      execPath: process.execPath,
      execArgv: [
        '--import',
        'tsx',
        ...(process.env.BENCH_WORKER_EXEC_ARGV?.split(' ').filter(Boolean) ?? []),
      ],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker not ready in ${timeoutMs} ms`)), timeoutMs);
      proc.on('message', (m: { type?: string }) => {
        if (m?.type !== 'ready') return;
        clearTimeout(timer);
        resolve();
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited (${code}) before it was ready`));
      });
    }).catch((err: unknown) => {
      proc.kill('SIGKILL');
      throw err;
    });
    return new ToolWorker(proc);
  }

  /** CPU time (user + system) the worker process has used so far, in µs. */
  cpuUs(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: ToolWorkerStats) => {
        if (m?.type !== 'stats') return;
        this.proc.off('message', onMessage);
        resolve(m.cpuUs);
      };
      this.proc.on('message', onMessage);
      if (!this.proc.connected) reject(new Error('worker process is gone'));
      else this.proc.send({ type: 'stats' });
    });
  }

  /** Graceful shutdown; SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    const proc = this.proc;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    if (proc.connected) proc.send({ type: 'stop' });
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
