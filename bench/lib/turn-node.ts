/**
 * The realtime node of `bench:turn`, alone in its own process (started by bench/turn.ts with
 * `node --import tsx` and an IPC channel for levels above one call). The simulated callers and
 * vendors and the Temporal worker stay in the parent, so their work and their timer lateness do
 * not land in this event loop: what the probe measures here is the node's own overhead. It
 * connects to the parent's Temporal server and bench database and points its adapters at the
 * parent's simulators (all via SB_TURN_* env).
 *
 * IPC (bench/lib/child-node.ts): sends {type:'ready', voiceUrl}; answers {type:'take', id} with
 * the sessions probed since the last take, and {type:'stats', id} with this process's CPU time
 * (user+system, µs). Exits on {type:'stop'}, SIGTERM, or when the parent goes away.
 */
import { Client, Connection } from '@temporalio/client';
import { createPrisma } from '../../src/db/client.ts';
import type { VoiceEndpoints } from '../../src/platform/vendors.ts';
import { serveParent } from './child-node.ts';
import { Cleanup } from './cleanup.ts';
import { benchLogger } from './platform.ts';
import { buildRealtimeNode } from './realtime-node.ts';
import { createTurnProbe, type SessionProbe } from './turn-probe.ts';

export interface TurnNodeEnv {
  SB_TURN_TEMPORAL_ADDRESS: string;
  SB_TURN_NAMESPACE: string;
  SB_TURN_TASK_QUEUE: string;
  SB_TURN_DATABASE_URL: string;
  /** JSON of VoiceEndpoints. */
  SB_TURN_ENDPOINTS: string;
}

/** What the node answers: its probe's sessions since the last take, or its CPU time (µs). */
export type TurnNodeAnswer =
  | { type: 'take'; id: number; sessions: SessionProbe[] }
  | { type: 'stats'; id: number; cpuUs: number };

function env(name: keyof TurnNodeEnv): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const logger = benchLogger();
const cleanup = new Cleanup();
const probe = createTurnProbe();
const send = serveParent(cleanup, (question): TurnNodeAnswer | undefined => {
  if (question.type === 'take') return { type: 'take', id: question.id, sessions: probe.take() };
  if (question.type === 'stats') {
    const cpu = process.cpuUsage();
    return { type: 'stats', id: question.id, cpuUs: cpu.user + cpu.system };
  }
  return undefined;
});

try {
  const prisma = createPrisma({
    connectionString: env('SB_TURN_DATABASE_URL'),
    poolMax: Number(process.env.DATABASE_POOL_MAX ?? 10),
  });
  cleanup.add('prisma', () => prisma.$disconnect());
  const connection = await Connection.connect({ address: env('SB_TURN_TEMPORAL_ADDRESS') });
  cleanup.add('temporal connection', () => connection.close());
  const node = await buildRealtimeNode({
    client: new Client({ connection, namespace: env('SB_TURN_NAMESPACE') }),
    prisma,
    taskQueue: env('SB_TURN_TASK_QUEUE'),
    logger,
    cleanup,
    endpoints: JSON.parse(env('SB_TURN_ENDPOINTS')) as VoiceEndpoints,
    wrapSession: probe.wrapSession,
    nodeId: 'bench-turn',
  });
  send({ type: 'ready', voiceUrl: node.voiceUrl });
} catch (err) {
  send({ type: 'error', message: (err as Error).stack ?? String(err) });
  await cleanup.run();
  process.exit(1);
}
