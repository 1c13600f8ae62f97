/**
 * Process A of `bench:concurrency`: the realtime node under test, alone in its own process.
 * Started by bench/concurrency.ts with `node --import tsx` and an IPC channel. It connects to the
 * parent's Temporal server and bench database and points its vendor adapters at the parent's
 * simulated Deepgram / OpenAI / ElevenLabs (all via env), so that nothing but the node itself
 * (webhooks, media socket, call sessions, adapters, Temporal client, Prisma) runs here.
 *
 * IPC: sends {type:'ready', voiceUrl}; answers {type:'stats', id} with this process's CPU time
 * (process.cpuUsage, user+system, µs) and RSS (bytes), and {type:'sends', id} with the send time
 * of every agent media frame since the last ask, per stream. Exits on {type:'stop'}, SIGTERM, or
 * when the parent goes away.
 */

import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { createPrisma } from '../../../src/db/client.ts';
import { saveRecordingStatus } from '../../../src/db/recordings.ts';
import { createHealthChecker } from '../../../src/platform/health.ts';
import { createVoiceAdapters } from '../../../src/platform/vendors.ts';
import { buildRealtime } from '../../../src/realtime/app.ts';
import { createCallFactory } from '../../../src/realtime/call-factory.ts';
import { createStreamTokens } from '../../../src/realtime/media/stream-token.ts';
import { createCallSession } from '../../../src/realtime/session/call-session.ts';
import { findFreePort } from '../../../src/temporal/ports.ts';
import { serveParent } from '../child-node.ts';
import { Cleanup } from '../cleanup.ts';
import { benchLogger } from '../platform.ts';
import { AUTH_TOKEN } from '../realtime-node.ts';
import { recordMediaFrameSends, takeMediaFrameSends } from './send-times.ts';

export interface NodeEnv {
  SB_CONC_TEMPORAL_ADDRESS: string;
  SB_CONC_NAMESPACE: string;
  SB_CONC_TASK_QUEUE: string;
  SB_CONC_DATABASE_URL: string;
  SB_CONC_DEEPGRAM_URL: string;
  SB_CONC_OPENAI_URL: string;
  SB_CONC_OPENAI_KEY: string;
  SB_CONC_ELEVENLABS_URL: string;
  SB_CONC_ELEVENLABS_KEY: string;
}

/** What the node answers when the benchmark asks (bench/lib/child-node.ts carries the ids). */
export type NodeAnswer =
  | { type: 'stats'; id: number; cpuUs: number; rss: number }
  | { type: 'sends'; id: number; sends: [string, number[]][] };

function env(name: keyof NodeEnv): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const logger = benchLogger();
const cleanup = new Cleanup();
const send = serveParent(cleanup, (q): NodeAnswer | undefined => {
  if (q.type === 'stats') {
    const cpu = process.cpuUsage();
    return { type: 'stats', id: q.id, cpuUs: cpu.user + cpu.system, rss: process.memoryUsage.rss() };
  }
  if (q.type === 'sends') return { type: 'sends', id: q.id, sends: takeMediaFrameSends() };
  return undefined;
});

recordMediaFrameSends();
try {
  const prisma = createPrisma({
    connectionString: env('SB_CONC_DATABASE_URL'),
    poolMax: Number(process.env.DATABASE_POOL_MAX ?? 10),
  });
  cleanup.add('prisma', () => prisma.$disconnect());
  const connection = await Connection.connect({ address: env('SB_CONC_TEMPORAL_ADDRESS') });
  cleanup.add('temporal connection', () => connection.close());
  const client = new Client({ connection, namespace: env('SB_CONC_NAMESPACE') });
  const deepgramUrl = env('SB_CONC_DEEPGRAM_URL');

  const tokens = createStreamTokens({ secret: 'bench-stream-token-secret', ttlMs: 60_000 });
  const health = createHealthChecker({});
  const createCall = createCallFactory({
    client,
    prisma,
    ...createVoiceAdapters(
      {
        deepgram: { apiKey: 'sim', baseUrl: deepgramUrl },
        openai: { apiKey: env('SB_CONC_OPENAI_KEY'), baseUrl: env('SB_CONC_OPENAI_URL'), model: 'sim' },
        elevenlabs: { apiKey: env('SB_CONC_ELEVENLABS_KEY'), baseUrl: env('SB_CONC_ELEVENLABS_URL') },
      },
      logger,
    ),
    logger,
    createSession: createCallSession,
  });
  const port = await findFreePort('127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const app: FastifyInstance = await buildRealtime({
    logger,
    health,
    readiness: health,
    twilio: {
      client,
      taskQueue: env('SB_CONC_TASK_QUEUE'),
      authToken: AUTH_TOKEN,
      publicBaseUrl: baseUrl,
      tokens,
      saveRecordingStatus: (update) => saveRecordingStatus(prisma, update),
    },
    media: { tokens, client, logger, createCall, nodeId: 'bench-concurrency' },
  });
  cleanup.add('realtime node', () => app.close());
  await app.listen({ host: '127.0.0.1', port });
  send({ type: 'ready', voiceUrl: `${baseUrl}/twilio/voice` });
} catch (err) {
  send({ type: 'error', message: (err as Error).stack ?? String(err) });
  await cleanup.run();
  process.exit(1);
}
