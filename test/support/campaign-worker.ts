import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.ts';
import type { PrismaClient } from '../../src/db/client.ts';
import type { Logger } from '../../src/logger.ts';
import { workflowBundlerOptions } from '../../src/worker.ts';
import { createDialDoubleActivities } from './dial-double.ts';

const WORKFLOWS = fileURLToPath(new URL('./campaign-workflows.ts', import.meta.url));

/** A worker running the real campaign workflow and activities with the dial double. */
export function createCampaignWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  prisma: PrismaClient;
  logger: Logger;
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    bundlerOptions: workflowBundlerOptions,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath: WORKFLOWS,
    activities: {
      ...createActivities({ prisma: options.prisma, logger: options.logger }),
      ...createDialDoubleActivities(options.prisma),
    },
  });
}
