import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { ensureTemporalCli } from '../temporal/cli-provision.ts';
import { type DevServerConfig, loadDevConfig } from '../temporal/dev-config.ts';
import { startDevServer } from '../temporal/dev-server.ts';
import type { InstanceLock } from './instance-lock.ts';
import { step } from './step.ts';

export interface TemporalEndpoint {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** The dev server definition, also the source of the search attributes Switchboard registers. */
  devConfig: DevServerConfig;
  stop(): Promise<void>;
}

/** An external cluster when TEMPORAL_ADDRESS is set; otherwise the dev server from temporal-dev.yml. */
export async function provideTemporal(
  config: Config,
  logger: Logger,
  lock: InstanceLock,
): Promise<TemporalEndpoint> {
  const devConfig = await step(logger, 'read temporal-dev.yml', async () =>
    loadDevConfig(config.temporal.devConfigPath),
  );
  if (config.temporal.address) {
    return {
      address: config.temporal.address,
      namespace: config.temporal.namespace ?? 'default',
      uiUrl: config.temporal.uiUrl,
      devConfig,
      stop: async () => {},
    };
  }
  const cli = await step(logger, 'provision the Temporal CLI', () =>
    ensureTemporalCli({
      explicitPath: config.temporal.cliPath,
      cacheDir: config.temporal.cliCacheDir,
      logger,
    }),
  );
  const server = await step(logger, 'start the Temporal dev server', () =>
    startDevServer({
      cliPath: cli.path,
      config: devConfig,
      dataDir: config.dataDir,
      logger: logger.child({ component: 'temporal-dev-server' }),
      readyTimeoutMs: config.startupTimeoutMs,
    }),
  );
  lock.recordChild(server.pid);
  return { ...server, devConfig, stop: () => server.stop() };
}
