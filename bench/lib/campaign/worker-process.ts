import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../src/activities/index.ts';
import { createPrisma } from '../../../src/db/client.ts';
import { installTemporalRuntime } from '../../../src/worker.ts';
import { benchLogger } from '../platform.ts';
import { createInstantDialerActivities } from './instant-dialer.ts';

/**
 * The worker under test, in its own process so its CPU and RSS are its own: the real campaign
 * workflow and activities, the instant dialer in place of the real one. Forked with IPC by
 * worker-child.ts; settings come from the environment. Says `ready` once it polls and answers
 * `stats` with its CPU time and RSS.
 */
export interface WorkerStats {
  type: 'stats';
  cpuUs: number;
  rss: number;
}

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const send = (m: unknown) => process.send?.(m);

const logger = benchLogger();
installTemporalRuntime(logger);
const prisma = createPrisma({
  connectionString: env('BENCH_DATABASE_URL'),
  poolMax: Number(process.env.DATABASE_POOL_MAX ?? 10),
});
await prisma.$connect();
const connection = await NativeConnection.connect({ address: env('BENCH_TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  namespace: env('BENCH_NAMESPACE'),
  taskQueue: env('BENCH_TASK_QUEUE'),
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities: {
    ...createActivities({ prisma, logger }),
    ...createInstantDialerActivities(prisma),
  },
});
process.on('message', (m: { type?: string }) => {
  if (m?.type === 'stats') {
    const cpu = process.cpuUsage();
    send({
      type: 'stats',
      cpuUs: cpu.user + cpu.system,
      rss: process.memoryUsage().rss,
    } satisfies WorkerStats);
  } else if (m?.type === 'stop' && worker.getState() === 'RUNNING') worker.shutdown();
});
// The parent gone (crashed or killed) must not leave a worker polling.
process.on('disconnect', () => {
  if (worker.getState() === 'RUNNING') worker.shutdown();
});
const running = worker.run();
send({ type: 'ready' });
await running;
await connection.close();
await prisma.$disconnect();
process.disconnect?.();
