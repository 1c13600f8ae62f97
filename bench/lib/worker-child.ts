import { type ChildProcess, fork } from 'node:child_process';

/** What a worker process answers to `stats`: its CPU time (user + system, µs) and RSS (bytes). */
export interface WorkerStats {
  type: 'stats';
  cpuUs: number;
  rss: number;
}

/**
 * A Temporal worker under test in a process of its own (so its CPU and RSS are its own and the
 * benchmark's client does not share its event loop). The parent's side; the child runs
 * `serveWorkerParent`. BENCH_WORKER_EXEC_ARGV adds node flags (e.g. `--cpu-prof`).
 */
export class WorkerChild {
  private constructor(private readonly proc: ChildProcess) {}

  static async start(script: string, env: Record<string, string>, timeoutMs = 180_000): Promise<WorkerChild> {
    const proc = fork(script, [], {
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
    return new WorkerChild(proc);
  }

  stats(): Promise<WorkerStats> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerStats) => {
        if (m?.type !== 'stats') return;
        this.proc.off('message', onMessage);
        resolve(m);
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

/**
 * The worker process's side: says `ready`, answers `stats`, and shuts the worker down on `stop`
 * or when the parent is gone (crashed or killed), so no worker is left polling.
 */
export function serveWorkerParent(shutdown: () => void): void {
  const send = (m: unknown) => process.send?.(m);
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stats') {
      const cpu = process.cpuUsage();
      send({
        type: 'stats',
        cpuUs: cpu.user + cpu.system,
        rss: process.memoryUsage().rss,
      } satisfies WorkerStats);
    } else if (m?.type === 'stop') shutdown();
  });
  process.on('disconnect', shutdown);
  send({ type: 'ready' });
}

/** A required setting from the environment the parent passed. */
export function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
}
