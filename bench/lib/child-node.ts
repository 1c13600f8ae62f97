/**
 * A bench part in a process of its own (the realtime node under test, the simulated vendors), both
 * sides of the IPC: the parent forks it
 * and asks it questions by id; the child answers them and stops on request, on SIGTERM or when
 * the parent goes away. Used by bench:turn's and bench:concurrency's nodes.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import type { Cleanup } from './cleanup.ts';

/** What a child sends: once ready or failed, then one answer per question, carrying its id. */
export type ChildMessage = { type: 'ready'; voiceUrl: string } | { type: 'error'; message: string } | Answer;
type Answer = { type: string; id: number };
export type ParentMessage = { type: string; id: number } | { type: 'stop' };

export interface ForkedNode<A extends Answer> {
  voiceUrl: string;
  ask<T extends A['type']>(type: T): Promise<Extract<A, { type: T }>>;
}

export interface ForkOptions {
  /** In errors and cleanup logs. */
  name?: string;
  /** The realtime node under test (default): BENCH_CPU_PROF profiles it. */
  underTest?: boolean;
}

/**
 * Forks `script` (TypeScript, through tsx) and waits for its `ready`; cleanup stops it. The child
 * runs at a raised priority (raisePriority): the node under test, and the simulated vendors,
 * which stand for vendors on machines of their own.
 */
export async function forkNode<A extends Answer>(
  script: string,
  env: Record<string, string>,
  cleanup: Cleanup,
  options: ForkOptions = {},
): Promise<ForkedNode<A>> {
  const { name = 'realtime node process', underTest = true } = options;
  const profile = process.env.BENCH_CPU_PROF && underTest;
  const proc = fork(script, [], {
    execPath: process.execPath,
    // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the node under test there;
    // BENCH_NODE_EXEC_ARGV adds node flags to it (e.g. `--trace-gc`, which NODE_OPTIONS refuses).
    execArgv: [
      '--import',
      'tsx',
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ...(underTest ? (process.env.BENCH_NODE_EXEC_ARGV?.split(' ').filter(Boolean) ?? []) : []),
    ],
    env: { ...process.env, ...env },
    // Its output goes to our stderr: our stdout carries only the tables and the JSON line.
    stdio: ['ignore', process.stderr, process.stderr, 'ipc'],
  });
  if (proc.pid !== undefined) raisePriority(proc.pid);
  cleanup.add(name, async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    if (proc.connected) proc.send({ type: 'stop' } satisfies ParentMessage);
    else proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  const pending = new Map<number, (m: A) => void>();
  let nextId = 0;
  const voiceUrl = await new Promise<string>((resolve, reject) => {
    proc.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') resolve((m as { voiceUrl: string }).voiceUrl);
      else if (m.type === 'error') reject(new Error(`${name} failed: ${(m as { message: string }).message}`));
      else {
        const answer = m as A;
        pending.get(answer.id)?.(answer);
        pending.delete(answer.id);
      }
    });
    proc.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return {
    voiceUrl,
    ask: (type) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, resolve as (m: A) => void);
        proc.send({ type, id } satisfies ParentMessage, (err) => err && reject(err));
      }),
  };
}

/**
 * The child's side: answers each question with `answer(type, id)`, stops (running `cleanup`,
 * then exiting) on `stop`, SIGTERM, SIGINT or a lost parent. Returns how to send a message.
 */
export function serveParent(
  cleanup: Cleanup,
  answer: (question: { type: string; id: number }) => ChildMessage | undefined,
): (m: ChildMessage) => void {
  const send = (m: ChildMessage) => process.send?.(m);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void cleanup.run().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'stop' || !('id' in m)) return stop();
    const reply = answer(m);
    if (reply) send(reply);
  });
  return send;
}

/**
 * The forked part gets CPU ahead of the load generator: with everything on two cores, the
 * simulated callers, the worker, Temporal and Postgres otherwise keep it off the CPU for tens of
 * ms at a time, and the benchmark measures the machine's saturation instead of the node (a
 * deployed node has its own cores; a vendor answers from its own machines). BENCH_NODE_NICE sets the niceness (default -10; 0 leaves it alone;
 * a negative value needs root, without which the node keeps the default).
 */
function raisePriority(pid: number): void {
  const nice = nodeNiceness();
  if (nice === 0) return;
  try {
    os.setPriority(pid, nice);
  } catch (err) {
    process.stderr.write(`bench: could not set the node's niceness to ${nice}: ${(err as Error).message}\n`);
  }
}

/** The niceness forked parts run at, for the report. */
export function nodeNiceness(): number {
  const nice = Number(process.env.BENCH_NODE_NICE ?? -10);
  return Number.isFinite(nice) ? nice : 0;
}
