import { type Config, ConfigError, loadConfig } from './config.ts';
import { createPrisma, pingDatabase } from './db/client.ts';
import { ensureDefaultAgent } from './db/seed.ts';
import { StartupError } from './domain/errors.ts';
import { createLogger, type Logger } from './logger.ts';
import { provideDatabase } from './platform/database-deps.ts';
import { acquireInstanceLock, type InstanceLock } from './platform/instance-lock.ts';
import { ROLES, type Role, startRoles } from './platform/roles.ts';
import { ShutdownStack } from './platform/shutdown.ts';
import { describeError, step } from './platform/step.ts';
import { provideTemporal } from './platform/temporal-deps.ts';
import { provideVendors } from './platform/vendors.ts';
import { checkTemporalHealth, connectTemporal } from './temporal/connection.ts';
import { searchAttributeKeys } from './temporal/dev-config.ts';
import { registerSearchAttributes } from './temporal/dev-server.ts';

/**
 * `npm start` (all roles) or `npm start -- <role>`: brings up Temporal (dev server unless
 * TEMPORAL_ADDRESS is set), the database (embedded unless DATABASE_URL is set), migrations,
 * then the worker, realtime node and admin API, and stops them all on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const role = parseRole(process.argv[2]);
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const stack = new ShutdownStack(logger);
  handleSignals(stack, logger);
  try {
    const started = await launch(role, config, logger, stack);
    // The worker stops when we shut down (a signal); only a stop nobody asked for is an error.
    started.workerStopped?.then(
      () => (stack.stopping ? undefined : exitAfter(stack, 1, logger, 'worker stopped unexpectedly')),
      (err) =>
        stack.stopping ? undefined : exitAfter(stack, 1, logger, `worker failed: ${describeError(err)}`),
    );
  } catch (err) {
    await exitAfter(stack, 1, logger, describeError(err));
  }
}

async function launch(role: Role, config: Config, logger: Logger, stack: ShutdownStack) {
  const startedAt = performance.now();
  const usesLocalState = !config.temporal.address || !config.database.url;
  const lock: InstanceLock = usesLocalState
    ? acquireInstanceLock(config.dataDir, logger)
    : { recordChild: () => {}, release: () => {} };
  stack.push('instance lock', () => lock.release());

  // Temporal and the database start side by side (PGlite's first start takes seconds). Settled,
  // not raced: whichever came up is registered for shutdown even when the other failed.
  const [temporalStart, databaseStart] = await Promise.allSettled([
    provideTemporal(config, logger, lock),
    provideDatabase(config, logger),
  ]);
  if (temporalStart.status === 'fulfilled') stack.push('Temporal', () => temporalStart.value.stop());
  if (databaseStart.status === 'fulfilled') stack.push('database', () => databaseStart.value.stop());
  if (temporalStart.status === 'rejected') throw temporalStart.reason;
  if (databaseStart.status === 'rejected') throw databaseStart.reason;
  const temporal = temporalStart.value;
  const database = databaseStart.value;

  const prisma = createPrisma({ connectionString: database.connectionString, poolMax: database.poolMax });
  stack.push('database client', () => prisma.$disconnect());
  await step(logger, 'query the database', () => pingDatabase(prisma));
  const seeded = await step(logger, 'seed the default agent', () => ensureDefaultAgent(prisma));
  if (seeded.created) logger.info({ agentId: seeded.agentId }, 'created the default agent');

  const connection = await step(logger, `connect to Temporal at ${temporal.address}`, () =>
    connectTemporal({ ...config.temporal, address: temporal.address, namespace: temporal.namespace }),
  );
  stack.push('Temporal client', () => connection.close());
  await step(logger, `reach Temporal namespace ${temporal.namespace}`, () =>
    checkTemporalHealth(connection, temporal.namespace),
  );
  if (config.temporal.address) {
    // A cluster may refuse operator calls (Temporal Cloud manages attributes itself): warn, go on.
    await registerSearchAttributes(
      connection,
      temporal.namespace,
      searchAttributeKeys(temporal.devConfig),
      logger,
    ).catch((err: unknown) =>
      logger.warn({ err: describeError(err) }, 'could not register search attributes'),
    );
  }

  const vendors = await step(logger, 'start the vendors', () => provideVendors(config, logger));
  stack.push('vendors', () => vendors.stop());
  if (vendors.simulated.length > 0) {
    logger.warn(
      { simulated: vendors.simulated },
      'no keys for these vendors: using SIMULATED vendors on loopback',
    );
  }
  const started = await startRoles(role, {
    config,
    logger,
    stack,
    prisma,
    connection,
    address: temporal.address,
    namespace: temporal.namespace,
    vendors,
    database,
    temporalUiUrl: temporal.uiUrl,
  });
  const urls = { api: started.apiUrl, realtime: started.realtimeUrl, temporalUi: temporal.uiUrl };
  logger.info(
    {
      role,
      ...urls,
      temporal: temporal.address,
      namespace: temporal.namespace,
      embeddedDatabase: database.embedded,
      startupMs: Math.round(performance.now() - startedAt),
    },
    'Switchboard ready',
  );
  printBanner(
    urls,
    temporal,
    database.embedded ? `embedded PGlite in ${config.dataDir}` : 'DATABASE_URL',
    vendors.simulated,
  );
  return started;
}

/** The human summary; the JSON log line above carries the same facts for machines. */
function printBanner(
  urls: { api?: string; realtime?: string; temporalUi?: string },
  temporal: { address: string; namespace: string },
  database: string,
  simulated: string[],
): void {
  const rows = [
    ['admin API', urls.api],
    ['realtime node', urls.realtime],
    ['Temporal UI', urls.temporalUi],
    ['API key', urls.api ? 'npm run keys:create -- --role admin --name <your-name>' : undefined],
    ['Temporal', `${temporal.address} (namespace ${temporal.namespace})`],
    ['database', database],
    ['vendors', simulated.length > 0 ? `SIMULATED on loopback: ${simulated.join(', ')}` : 'real accounts'],
  ].filter(([, value]) => value !== undefined);
  const lines = rows.map(([name, value]) => `  ${(name as string).padEnd(14)} ${value}`);
  process.stderr.write(`Switchboard is ready\n${lines.join('\n')}\nPress Ctrl-C to stop.\n`);
}

function parseRole(arg: string | undefined): Role {
  const role = arg ?? 'all';
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ConfigError(`unknown role "${role}"; expected one of ${ROLES.join(', ')}`);
  }
  return role as Role;
}

function handleSignals(stack: ShutdownStack, logger: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down');
    void stack.run().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function exitAfter(
  stack: ShutdownStack,
  code: number,
  logger: Logger,
  message: string,
): Promise<never> {
  logger.error(message);
  process.stderr.write(`switchboard: ${message}\n`);
  await stack.run();
  process.exit(code);
}

main().catch((err: unknown) => {
  // Configuration errors arrive before a logger exists: one line on stderr, non-zero exit.
  const known = err instanceof ConfigError || err instanceof StartupError;
  process.stderr.write(`switchboard: ${known ? (err as Error).message : describeError(err)}\n`);
  process.exit(1);
});
