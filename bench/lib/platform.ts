import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pg from 'pg';
import { type ActivityDeps, createActivities } from '../../src/activities/index.ts';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrator.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { MIGRATIONS_DIR } from '../../src/platform/database-deps.ts';
import { ensureTemporalCli } from '../../src/temporal/cli-provision.ts';
import { loadDevConfig } from '../../src/temporal/dev-config.ts';
import { startDevServer } from '../../src/temporal/dev-server.ts';
import { installTemporalRuntime, startWorker } from '../../src/worker.ts';
import { Cleanup } from './cleanup.ts';

const REPO = new URL('../../', import.meta.url).pathname;

/**
 * What a benchmark runs against, all of it real and all of it its own: a Temporal dev server
 * (temporal-dev.yml, ephemeral port, headless, temp data dir), a fresh migrated Postgres database
 * on the server in DATABASE_URL (or the one scripts/ensure-postgres.sh provides), the production
 * worker (src/worker.ts) in this process on its own task queue, and a client.
 */
export interface BenchPlatform {
  logger: Logger;
  prisma: PrismaClient;
  client: Client;
  namespace: string;
  taskQueue: string;
  /** Temporal frontend and database, for a worker the benchmark runs in a process of its own. */
  address: string;
  databaseUrl: string;
  /** The dev server's process id, for benchmarks that report its CPU. */
  temporalPid: number;
  /** Seconds each set-up step took, for the report. */
  setup: Record<string, number>;
  /** Register more things to release; `close()` releases everything in reverse order. */
  cleanup: Cleanup;
  close(): Promise<void>;
}

/** Logs go to stderr (stdout carries the table and the JSON line); BENCH_LOG_LEVEL, default error. */
export function benchLogger(): Logger {
  return createLogger(process.env.BENCH_LOG_LEVEL ?? 'error', process.stderr);
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

export async function startBenchPlatform(options: {
  name: string;
  poolMax?: number;
  /** Extra activity dependencies (a dialer and its webhook origin, ...). */
  activityDeps?: Omit<Partial<ActivityDeps>, 'prisma' | 'logger'>;
  /** false: no production worker in this process (the benchmark brings its own). */
  inProcessWorker?: boolean;
}): Promise<BenchPlatform> {
  const logger = benchLogger();
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const setup: Record<string, number> = {};
  const step = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    progress(`setup: ${label}...`);
    const value = await fn();
    setup[label] = Number(((performance.now() - t0) / 1000).toFixed(2));
    return value;
  };
  try {
    const server = await step('temporal', async () => {
      const cli = await ensureTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, logger });
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sb-bench-${options.name}-`));
      cleanup.add('temp dir', () => fs.rmSync(dataDir, { recursive: true, force: true }));
      const config = { ...loadDevConfig(path.join(REPO, 'temporal-dev.yml')), ui: false };
      const dev = await startDevServer({
        cliPath: cli.path,
        config,
        dataDir,
        overrides: { port: 0 },
        logger,
        readyTimeoutMs: 60_000,
      });
      cleanup.add('temporal dev server', () => dev.stop());
      return dev;
    });
    const databaseUrl = await step('database', async () => {
      const url = await createBenchDatabase(options.name, cleanup);
      await applyMigrations({ connectionString: url, migrationsDir: MIGRATIONS_DIR, logger });
      return url;
    });
    // DATABASE_POOL_MAX defaults to 10 in src/config.ts: the same pool a deployed worker gets.
    const poolMax = options.poolMax ?? Number(process.env.DATABASE_POOL_MAX ?? 10);
    const prisma = createPrisma({ connectionString: databaseUrl, poolMax });
    cleanup.add('prisma', () => prisma.$disconnect());
    const taskQueue = `bench-${options.name}-${Date.now().toString(36)}`;
    if (options.inProcessWorker !== false)
      await step('worker', async () => {
        installTemporalRuntime(logger);
        const native = await NativeConnection.connect({ address: server.address });
        cleanup.add('worker connection', () => native.close());
        const worker = await startWorker({
          connection: native,
          namespace: server.namespace,
          taskQueue,
          activities: createActivities({ prisma, logger, ...options.activityDeps }),
          logger,
        });
        cleanup.add('worker', () => worker.shutdown());
      });
    const connection = await Connection.connect({ address: server.address });
    cleanup.add('client connection', () => connection.close());
    return {
      logger,
      prisma,
      client: new Client({ connection, namespace: server.namespace }),
      namespace: server.namespace,
      taskQueue,
      address: server.address,
      databaseUrl,
      temporalPid: server.pid,
      setup,
      cleanup,
      close: () => cleanup.run(),
    };
  } catch (err) {
    await cleanup.run();
    throw err;
  }
}

/** The server to create databases on: DATABASE_URL, else what scripts/ensure-postgres.sh prints. */
export function postgresServerUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const script = path.join(REPO, 'scripts/ensure-postgres.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** CREATE DATABASE sb_bench_…; dropped WITH (FORCE) on cleanup. Returns its URL. */
async function createBenchDatabase(name: string, cleanup: Cleanup): Promise<string> {
  const serverUrl = postgresServerUrl();
  const dbName = `sb_bench_${name}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await runOnServer(serverUrl, `CREATE DATABASE "${dbName}"`);
  cleanup.add(`database ${dbName}`, () =>
    runOnServer(serverUrl, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`),
  );
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
}

async function runOnServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
