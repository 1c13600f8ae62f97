/**
 * The simulated callers of `bench:concurrency`, spread over several processes (callers.ts), so
 * the load generator has more than one event loop and the node under test is what saturates.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { Cleanup } from '../cleanup.ts';
import type { CallerChildMessage, CallerOutcome, CallerParentMessage, CallerRun } from './callers.ts';

export interface CallerPool {
  readonly size: number;
  /** Places every call (spread round-robin over the processes) and waits for all of them. */
  run(
    r: Omit<CallerRun, 'type' | 'calls'> & { calls: CallerRun['calls'] },
  ): Promise<{ calls: CallerOutcome[]; arrivals: Map<string, number[]>; loopP99Ms: number }>;
}

export async function startCallerPool(size: number, cleanup: Cleanup): Promise<CallerPool> {
  const script = new URL('./callers.ts', import.meta.url).pathname;
  const children: ChildProcess[] = [];
  for (let i = 0; i < size; i++) {
    const proc = fork(script, [], {
      execPath: process.execPath,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', process.stderr, process.stderr, 'ipc'],
    });
    cleanup.add(`caller process ${i}`, () => stopChild(proc));
    children.push(proc);
  }
  await Promise.all(children.map((proc) => nextMessage(proc, 'ready')));
  return {
    size,
    async run(r) {
      const shares = children.map((_, k) => r.calls.filter((_c, i) => i % size === k));
      const results = await Promise.all(
        children.map((proc, i) => {
          const reply = nextMessage(proc, 'result');
          proc.send({ ...r, type: 'run', calls: shares[i] ?? [] } satisfies CallerParentMessage);
          return reply;
        }),
      );
      const calls: CallerOutcome[] = [];
      const arrivals = new Map<string, number[]>();
      let loopP99Ms = 0;
      for (const m of results) {
        if (m.type !== 'result') continue;
        calls.push(...m.calls);
        for (const [sid, times] of m.arrivals) arrivals.set(sid, times);
        loopP99Ms = Math.max(loopP99Ms, m.loopP99Ms);
      }
      return { calls, arrivals, loopP99Ms };
    },
  };
}

function nextMessage(proc: ChildProcess, type: CallerChildMessage['type']): Promise<CallerChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: CallerChildMessage) => {
      if (m.type !== type) return;
      proc.off('message', onMessage);
      proc.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => {
      proc.off('message', onMessage);
      reject(new Error(`caller process exited with ${code} while waiting for ${type}`));
    };
    proc.on('message', onMessage);
    proc.once('exit', onExit);
  });
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  if (proc.connected) proc.send({ type: 'stop' } satisfies CallerParentMessage);
  else proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
  clearTimeout(timer);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}
