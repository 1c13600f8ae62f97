/**
 * The parent's side of bench/lib/turn-node.ts: forks the realtime node under test into its own
 * process, registers its shutdown with the platform's cleanup, and asks it over IPC for what its
 * probe recorded and for its CPU time.
 */
import { fork } from 'node:child_process';
import type { VoiceEndpoints } from '../../src/platform/vendors.ts';
import type { BenchPlatform } from './platform.ts';
import type { TurnNodeEnv, TurnNodeMessage, TurnParentMessage } from './turn-node.ts';
import type { SessionProbe } from './turn-probe.ts';

export interface TurnNodeProcess {
  voiceUrl: string;
  take(): Promise<SessionProbe[]>;
  /** The node process's CPU time so far (user + system), µs. */
  cpuUs(): Promise<number>;
}

export async function startTurnNodeProcess(
  platform: BenchPlatform,
  endpoints: VoiceEndpoints,
): Promise<TurnNodeProcess> {
  const nodeEnv: TurnNodeEnv = {
    SB_TURN_TEMPORAL_ADDRESS: platform.address,
    SB_TURN_NAMESPACE: platform.namespace,
    SB_TURN_TASK_QUEUE: platform.taskQueue,
    SB_TURN_DATABASE_URL: platform.databaseUrl,
    SB_TURN_ENDPOINTS: JSON.stringify(endpoints),
  };
  const script = new URL('./turn-node.ts', import.meta.url).pathname;
  const proc = fork(script, [], {
    execPath: process.execPath,
    // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the node under test there.
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
    env: { ...process.env, ...nodeEnv },
    // Its output goes to our stderr: our stdout carries only the tables and the JSON line.
    stdio: ['ignore', process.stderr, process.stderr, 'ipc'],
  });
  platform.cleanup.add('realtime node process', async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    if (proc.connected) proc.send({ type: 'stop' } satisfies TurnParentMessage);
    else proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  const pending = new Map<number, (m: TurnNodeMessage) => void>();
  let nextId = 0;
  const voiceUrl = await new Promise<string>((resolve, reject) => {
    proc.on('message', (m: TurnNodeMessage) => {
      if (m.type === 'ready') resolve(m.voiceUrl);
      else if (m.type === 'error') reject(new Error(`realtime node failed: ${m.message}`));
      else {
        pending.get(m.id)?.(m);
        pending.delete(m.id);
      }
    });
    proc.once('exit', (code) => reject(new Error(`realtime node exited with ${code}`)));
  });
  const ask = (type: 'take' | 'stats') =>
    new Promise<TurnNodeMessage>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, resolve);
      proc.send({ type, id } satisfies TurnParentMessage, (err) => err && reject(err));
    });
  return {
    voiceUrl,
    take: async () => ((await ask('take')) as Extract<TurnNodeMessage, { type: 'take' }>).sessions,
    cpuUs: async () => ((await ask('stats')) as Extract<TurnNodeMessage, { type: 'stats' }>).cpuUs,
  };
}
