import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { CampaignControlDeps } from '../../src/campaigns/campaign-control.ts';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createLogger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import { installTemporalRuntime } from '../../src/worker.ts';
import { seedDefaultAgent } from './agents.ts';
import { createCampaignWorker } from './campaign-worker.ts';
import { createTestDatabase } from './database.ts';
import { createDialLog } from './dial-double.ts';

/**
 * Fresh migrated database with the dial log, a client, and (unless `inProcessWorker: false`) a
 * campaign worker in this process. `close()` removes all of it.
 */
export interface CampaignPlatform extends CampaignControlDeps {
  prisma: PrismaClient;
  databaseUrl: string;
  client: Client;
  taskQueue: string;
  address: string;
  namespace: string;
  agentId: string;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export async function startCampaignPlatform(options: {
  name: string;
  inProcessWorker?: boolean;
}): Promise<CampaignPlatform> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const { address, namespace } = inject('temporal');
  const db = await createTestDatabase();
  await applyMigrations({ connectionString: db.url, migrationsDir: MIGRATIONS_DIR, logger });
  const prisma = createPrisma({ connectionString: db.url, poolMax: 6 });
  await createDialLog(prisma);
  const agentId = (await seedDefaultAgent(prisma)).id;
  const taskQueue = `${options.name}-${Date.now().toString(36)}`;
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    installTemporalRuntime(logger);
  }
  let native: NativeConnection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  if (options.inProcessWorker !== false) {
    native = await NativeConnection.connect({ address });
    worker = await createCampaignWorker({ connection: native, namespace, taskQueue, prisma, logger });
    running = worker.run();
  }
  const connection = await Connection.connect({ address });
  return {
    prisma,
    databaseUrl: db.url,
    client: new Client({ connection, namespace }),
    taskQueue,
    address,
    namespace,
    agentId,
    async close() {
      // Campaigns a failed test left waiting would otherwise stay open on the shared dev server.
      const client = new Client({ connection, namespace });
      for await (const wf of client.workflow.list({
        query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`,
      })) {
        await client.workflow
          .getHandle(wf.workflowId)
          .terminate('test cleanup')
          .catch(() => undefined);
      }
      worker?.shutdown();
      await running;
      await native?.close();
      await connection.close();
      await prisma.$disconnect();
      await db.drop();
    },
  };
}
