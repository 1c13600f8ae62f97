import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { type Activities, type ActivityDeps, createActivities } from '../../src/activities/index.ts';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createLogger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import type { CallControl, OutboundDialer } from '../../src/providers/ports.ts';
import { installTemporalRuntime, workflowBundlerOptions } from '../../src/worker.ts';
import { createTestDatabase } from './database.ts';

const WORKFLOWS = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));

/**
 * A migrated fresh database, a real worker on its own task queue against the run's Temporal dev
 * server, and a client: what workflow tests need. `close()` stops and removes all of it.
 */
export interface TestPlatform {
  prisma: PrismaClient;
  databaseUrl: string;
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

export async function startTestPlatform(options: {
  callControl?: CallControl;
  dialer?: OutboundDialer;
  /** Where the worker tells Twilio to send the webhooks of calls it places. */
  publicBaseUrl?: string;
  name: string;
  /** Where recording status callbacks go; defaults to an address nothing listens on. */
  recordingStatusCallbackUrl?: string;
  /** Extra activity dependencies (analysis model, CRMs, ...) beside the database and logger. */
  activityDeps?: Omit<Partial<ActivityDeps>, 'prisma'>;
}): Promise<TestPlatform> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const { address, namespace } = inject('temporal');
  const db = await createTestDatabase();
  await applyMigrations({ connectionString: db.url, migrationsDir: MIGRATIONS_DIR, logger });
  const prisma = createPrisma({ connectionString: db.url, poolMax: 4 });
  const taskQueue = `${options.name}-${Date.now().toString(36)}`;
  quietTemporalRuntime(logger);
  const native = await NativeConnection.connect({ address });
  const activities: Activities = createActivities({
    prisma,
    logger,
    callControl: options.callControl,
    recordingStatusCallbackUrl:
      options.recordingStatusCallbackUrl ?? 'https://switchboard.test/twilio/recording-status',
    dialer: options.dialer,
    publicBaseUrl: options.publicBaseUrl,
    ...options.activityDeps,
  });
  const worker = await Worker.create({
    connection: native,
    bundlerOptions: workflowBundlerOptions,
    namespace,
    taskQueue,
    workflowsPath: WORKFLOWS,
    activities,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  return {
    prisma,
    databaseUrl: db.url,
    client: new Client({ connection, namespace }),
    taskQueue,
    async close() {
      worker.shutdown();
      await running;
      await native.close();
      await connection.close();
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

let runtimeInstalled = false;

/** The SDK logs to the console by default; route it to the (silent) test logger once per file. */
function quietTemporalRuntime(logger: ReturnType<typeof createLogger>): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  installTemporalRuntime(logger);
}
