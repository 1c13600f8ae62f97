import { fileURLToPath } from 'node:url';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import {
  DefaultLogger,
  type NativeConnection,
  Runtime,
  type WorkerOptions as SdkWorkerOptions,
  Worker,
} from '@temporalio/worker';
import type { Activities } from './activities/index.ts';
import type { Logger } from './logger.ts';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  logger: Logger;
}

export interface WorkerHandle {
  /** Settles when the worker stops; rejects if it stopped because of an error. */
  running: Promise<void>;
  shutdown(): Promise<void>;
}

// The worker bundles workflow code from source; resolve it beside this file so the same code
// works under tsx (.ts) and after a build (.js).
function workflowModule(name: string): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./workflows/${name}${ext}`, import.meta.url));
}
const workflowsPath = workflowModule('index');

/**
 * How the workflow bundle is built; every worker (tests and benchmarks too) uses these, so what is
 * tested is what runs. zod is preloaded through shared-zod.ts, which makes it write its lazy
 * global state before the SDK freezes preloaded modules (see that file).
 */
export const workflowBundlerOptions: NonNullable<SdkWorkerOptions['bundlerOptions']> = {
  ignoreModules: [],
  preloadModules: [workflowModule('shared-zod')],
};

/** Routes the SDK's own logs (core, workflow and activity loggers) into pino. Call once per process. */
export function installTemporalRuntime(logger: Logger): void {
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const pinoLevel =
      level === 'TRACE' ? 'trace' : (level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
    sdkLogger[pinoLevel](meta ?? {}, message);
  };
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => forward(entry.level, entry.message, entry.meta)),
  });
}

export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath,
    activities: options.activities,
    bundlerOptions: workflowBundlerOptions,
  });
  const running = worker.run();
  options.logger.info({ taskQueue: options.taskQueue, namespace: options.namespace }, 'worker polling');
  return {
    running,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch((err: unknown) => options.logger.error({ err }, 'worker stopped with error'));
    },
  };
}
