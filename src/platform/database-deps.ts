import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { applyMigrations } from '../db/migrator.ts';
import type { NotificationSource } from '../db/notification-tap.ts';
import type { Logger } from '../logger.ts';
import { step } from './step.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

export interface DatabaseEndpoint {
  connectionString: string;
  poolMax: number;
  embedded: boolean;
  /** Embedded only: NOTIFYs heard in process, since socket clients cannot LISTEN there. */
  notifications?: NotificationSource;
  stop(): Promise<void>;
}

/** DATABASE_URL when set; otherwise Postgres in-process (PGlite) served on loopback, then migrated. */
export async function provideDatabase(config: Config, logger: Logger): Promise<DatabaseEndpoint> {
  const endpoint = config.database.url
    ? {
        connectionString: config.database.url,
        poolMax: config.database.poolMax,
        embedded: false,
        stop: async () => {},
      }
    : await startEmbedded(config, logger);
  await step(logger, 'apply database migrations', () =>
    applyMigrations({ connectionString: endpoint.connectionString, migrationsDir: MIGRATIONS_DIR, logger }),
  );
  return endpoint;
}

async function startEmbedded(config: Config, logger: Logger): Promise<DatabaseEndpoint> {
  const pg = await step(logger, 'start the embedded database', () =>
    startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'pgdata'),
      host: '127.0.0.1',
      port: config.database.embeddedPort,
      logger: logger.child({ component: 'embedded-db' }),
    }),
  );
  // PGlite rejects (does not queue) connections over its limit, so the pool must stay within it.
  const poolMax = Math.min(config.database.poolMax, pg.maxConnections);
  return {
    connectionString: pg.connectionString,
    poolMax,
    embedded: true,
    notifications: pg.notifications,
    stop: () => pg.stop(),
  };
}
