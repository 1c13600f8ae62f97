/**
 * The parent's side of bench/lib/turn-node.ts: forks the realtime node under test into its own
 * process and asks it over IPC for what its probe recorded and for its CPU time.
 */
import type { VoiceEndpoints } from '../../src/platform/vendors.ts';
import { forkNode } from './child-node.ts';
import type { BenchPlatform } from './platform.ts';
import type { TurnNodeAnswer, TurnNodeEnv } from './turn-node.ts';
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
  const env: TurnNodeEnv = {
    SB_TURN_TEMPORAL_ADDRESS: platform.address,
    SB_TURN_NAMESPACE: platform.namespace,
    SB_TURN_TASK_QUEUE: platform.taskQueue,
    SB_TURN_DATABASE_URL: platform.databaseUrl,
    SB_TURN_ENDPOINTS: JSON.stringify(endpoints),
  };
  const script = new URL('./turn-node.ts', import.meta.url).pathname;
  const node = await forkNode<TurnNodeAnswer>(script, { ...env }, platform.cleanup);
  return {
    voiceUrl: node.voiceUrl,
    take: async () => (await node.ask('take')).sessions,
    cpuUs: async () => (await node.ask('stats')).cpuUs,
  };
}
