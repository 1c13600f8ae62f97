import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../src/config.ts';
import { applyMigrations } from '../src/db/migrator.ts';
import { createLogger } from '../src/logger.ts';

/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL with the same migrator the app
 * runs at start-up (the embedded database is migrated by `npm start` itself). Logs go to stderr;
 * stdout gets one summary line.
 */
const MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.database.url) {
    throw new Error('DATABASE_URL is not set (the embedded database is migrated when `npm start` starts it)');
  }
  const logger = createLogger(config.logLevel, pino.destination(2));
  const { applied, alreadyApplied } = await applyMigrations({
    connectionString: config.database.url,
    migrationsDir: MIGRATIONS_DIR,
    logger,
  });
  const summary = applied.length > 0 ? `applied ${applied.join(', ')}` : 'nothing to apply';
  process.stdout.write(`db:migrate: ${summary} (${alreadyApplied} already applied)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`db:migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
