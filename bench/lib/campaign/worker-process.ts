import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../src/activities/index.ts';
import { createPrisma } from '../../../src/db/client.ts';
import { installTemporalRuntime, workflowBundlerOptions } from '../../../src/worker.ts';
import { benchLogger } from '../platform.ts';
import { requiredEnv, serveWorkerParent } from '../worker-child.ts';
import { createInstantDialerActivities } from './instant-dialer.ts';

/**
 * The worker under test, in its own process so its CPU and RSS are its own: the real campaign
 * workflow and activities, the instant dialer in place of the real one. Forked by run.ts through
 * bench/lib/worker-child.ts; settings come from the environment.
 */
const logger = benchLogger();
installTemporalRuntime(logger);
const prisma = createPrisma({
  connectionString: requiredEnv('BENCH_DATABASE_URL'),
  poolMax: Number(process.env.DATABASE_POOL_MAX ?? 10),
});
await prisma.$connect();
const connection = await NativeConnection.connect({ address: requiredEnv('BENCH_TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  bundlerOptions: workflowBundlerOptions,
  namespace: requiredEnv('BENCH_NAMESPACE'),
  taskQueue: requiredEnv('BENCH_TASK_QUEUE'),
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities: {
    ...createActivities({ prisma, logger }),
    ...createInstantDialerActivities(prisma),
  },
});
const running = worker.run();
serveWorkerParent(() => {
  if (worker.getState() === 'RUNNING') worker.shutdown();
});
await running;
await connection.close();
await prisma.$disconnect();
process.disconnect?.();
