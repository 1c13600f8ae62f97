import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../src/logger.ts';
import { ensureTemporalCli } from '../src/temporal/cli-provision.ts';
import { loadDevConfig } from '../src/temporal/dev-config.ts';
import { startDevServer } from '../src/temporal/dev-server.ts';

export interface TestTemporal {
  address: string;
  namespace: string;
  cliPath: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    temporal: TestTemporal;
  }
}

/**
 * One Temporal dev server for the whole run, defined by the same temporal-dev.yml as `npm start`
 * but on ephemeral ports, headless, with its own db file in a temp directory.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  const cli = await ensureTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, logger });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-test-temporal-'));
  const server = await startDevServer({
    cliPath: cli.path,
    config: loadDevConfig(path.resolve('temporal-dev.yml')),
    dataDir,
    overrides: { port: 0, uiPort: 0 },
    logger,
    readyTimeoutMs: 60_000,
  });
  project.provide('temporal', { address: server.address, namespace: server.namespace, cliPath: cli.path });
  return async () => {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
