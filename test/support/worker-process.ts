import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./campaign-worker-process.ts', import.meta.url));

/** The campaign test worker in a child process that a test may SIGKILL and start again. */
export class WorkerProcess {
  private child: ChildProcess | undefined;

  constructor(private readonly env: Record<string, string>) {}

  /** Starts the worker; resolves once it polls its task queue. */
  async start(timeoutMs = 120_000): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker not ready in ${timeoutMs} ms: ${stderr}`)),
        timeoutMs,
      );
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited (${code}) before ready: ${stderr}`));
      });
    });
  }

  /** SIGKILL: no shutdown, no flush; in-flight activities and workflow tasks are lost. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }
}
