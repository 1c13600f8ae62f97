import { NativeConnection } from '@temporalio/worker';
import { createPrisma } from '../../src/db/client.ts';
import { createLogger } from '../../src/logger.ts';
import { installTemporalRuntime } from '../../src/worker.ts';
import { createCampaignWorker } from './campaign-worker.ts';

/**
 * The campaign test worker as its own process, so a test can SIGKILL it (R1). Settings come from
 * the environment; prints "ready" once it polls.
 */
const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
installTemporalRuntime(logger);
const prisma = createPrisma({ connectionString: env('SB_DATABASE_URL'), poolMax: 4 });
const connection = await NativeConnection.connect({ address: env('SB_TEMPORAL_ADDRESS') });
const worker = await createCampaignWorker({
  connection,
  namespace: env('SB_NAMESPACE'),
  taskQueue: env('SB_TASK_QUEUE'),
  prisma,
  logger,
});
process.on('SIGTERM', () => worker.shutdown());
const running = worker.run();
process.stdout.write('ready\n');
await running;
await connection.close();
await prisma.$disconnect();
