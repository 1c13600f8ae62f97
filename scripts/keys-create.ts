import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createApiKey, keyCreateBody } from '../src/api/routes/keys.ts';
import { loadConfig } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { runningEmbeddedEndpoint, startEmbeddedPostgres } from '../src/db/embedded.ts';
import { applyMigrations } from '../src/db/migrator.ts';
import { createLogger, type Logger } from '../src/logger.ts';
import { MIGRATIONS_DIR } from '../src/platform/database-deps.ts';

/**
 * `npm run keys:create -- --role admin --name "Ada"`: creates an API key and prints it once (the
 * database keeps only its hash). The database is the one `npm start` uses:
 * - DATABASE_URL when set;
 * - otherwise the embedded database. If a running `npm start` holds it, this connects to the
 *   loopback address that process published next to its data directory (opening the directory
 *   twice would corrupt it); if nothing runs, it opens the directory itself, briefly.
 * Logs go to stderr; stdout gets the key alone, so `KEY=$(npm run -s keys:create -- ...)` works.
 */
const USAGE = 'usage: npm run keys:create -- --role admin|campaign_manager|viewer --name <name>';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: 'string' }, name: { type: 'string' } } });
  const input = keyCreateBody.safeParse({ role: values.role, name: values.name });
  if (!input.success) {
    const issue = input.error.issues[0];
    throw new Error(`--${String(issue?.path[0] ?? 'role')}: ${issue?.message ?? 'invalid'}\n${USAGE}`);
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  await withDatabase(
    config.database.url,
    path.join(config.dataDir, 'pgdata'),
    logger,
    async (url, poolMax) => {
      await applyMigrations({ connectionString: url, migrationsDir: MIGRATIONS_DIR, logger });
      const prisma = createPrisma({ connectionString: url, poolMax });
      try {
        const key = await createApiKey(prisma, input.data);
        process.stderr.write(
          `Created ${key.role} key "${key.name}" (id ${key.id}). It is shown once; store it now:\n`,
        );
        process.stdout.write(`${key.key}\n`);
      } finally {
        await prisma.$disconnect();
      }
    },
  );
}

async function withDatabase(
  databaseUrl: string | undefined,
  embeddedDir: string,
  logger: Logger,
  run: (url: string, poolMax: number) => Promise<void>,
): Promise<void> {
  if (databaseUrl) return run(databaseUrl, 1);
  const served = await runningEmbeddedEndpoint(embeddedDir);
  if (served) return run(served, 1);
  const pg = await startEmbeddedPostgres({ dataDir: embeddedDir, host: '127.0.0.1', port: 0, logger });
  try {
    await run(pg.connectionString, 1);
  } finally {
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`keys:create failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
