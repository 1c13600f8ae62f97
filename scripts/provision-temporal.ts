import { pino } from 'pino';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { ensureTemporalCli } from '../src/temporal/cli-provision.ts';

/**
 * `npm run temporal:provision`: makes sure a Temporal CLI is available (TEMPORAL_CLI_PATH, the
 * cache in ~/.cache/switchboard, PATH, a Go build, or a download) so that `npm start` does not
 * pay for it. Logs go to stderr; stdout gets one summary line.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, pino.destination(2));
  const startedAt = performance.now();
  const cli = await ensureTemporalCli({
    explicitPath: config.temporal.cliPath,
    cacheDir: config.temporal.cliCacheDir,
    logger,
  });
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(2);
  process.stdout.write(`temporal ${cli.version} (${cli.source}) ${cli.path} in ${seconds} s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`temporal:provision failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
