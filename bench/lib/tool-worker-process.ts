import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.ts';
import { createPrisma } from '../../src/db/client.ts';
import {
  installTemporalRuntime,
  startWorker,
  type WorkerHandle,
  workflowBundlerOptions,
} from '../../src/worker.ts';
import { benchLogger } from './platform.ts';
import { requiredEnv, serveWorkerParent } from './worker-child.ts';

/**
 * The production worker (src/worker.ts, every workflow and activity) in a process of its own, as
 * the platform's worker role runs: the benchmark's client then does not share its event loop.
 * Forked by bench/tool.ts through worker-child.ts; settings come from the environment. Says `ready` once it
 * polls; answers `stats` with its CPU time. BENCH_WORKER_OPTIONS (JSON) is for measuring worker
 * options src/worker.ts does not set: the worker is then built here with the same workflows and
 * activities plus those options, and the benchmark prints that it ran so.
 */
const logger = benchLogger();
installTemporalRuntime(logger);
const prisma = createPrisma({
  connectionString: requiredEnv('BENCH_DATABASE_URL'),
  poolMax: Number(process.env.DATABASE_POOL_MAX ?? 10),
});
await prisma.$connect();
const connection = await NativeConnection.connect({ address: requiredEnv('BENCH_TEMPORAL_ADDRESS') });
const activities = createActivities({ prisma, logger });
const base = {
  connection,
  namespace: requiredEnv('BENCH_NAMESPACE'),
  taskQueue: requiredEnv('BENCH_TASK_QUEUE'),
};

async function experimentalWorker(extra: Partial<WorkerOptions>): Promise<WorkerHandle> {
  const worker = await Worker.create({
    ...base,
    workflowsPath: fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url)),
    activities,
    bundlerOptions: workflowBundlerOptions,
    ...extra,
  });
  const running = worker.run();
  return {
    running,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

const extra = process.env.BENCH_WORKER_OPTIONS;
const handle = extra
  ? await experimentalWorker(JSON.parse(extra) as Partial<WorkerOptions>)
  : await startWorker({ ...base, activities, logger });
serveWorkerParent(() => void handle.shutdown());
await handle.running.catch((err: unknown) => logger.error({ err }, 'worker stopped with error'));
await connection.close();
await prisma.$disconnect();
process.disconnect?.();
