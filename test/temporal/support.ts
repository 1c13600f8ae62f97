import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { ensureTemporalCli } from '../../src/temporal/cli-provision.ts';

export const REPO_ROOT = new URL('../..', import.meta.url).pathname;
export const DEV_CONFIG_PATH = path.join(REPO_ROOT, 'temporal-dev.yml');

let cliPath: Promise<string> | undefined;

/** TEMPORAL_CLI_PATH when set, else whatever ensureTemporalCli provisions (cached after once). */
export function testCliPath(): Promise<string> {
  cliPath ??= (async () => {
    const explicitPath = loadConfig().temporal.cliPath;
    if (explicitPath) return explicitPath;
    return (await ensureTemporalCli({ logger: createLogger('warn') })).path;
  })();
  return cliPath;
}

/** A logger that keeps its JSON lines for assertions. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', {
    write(line: string) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { logger, lines };
}

export interface TempDir {
  dir: string;
  remove(): void;
}

/** A temp directory removed by the returned cleanup. */
export function makeTempDir(prefix: string): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sb-${prefix}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an executable `#!/bin/sh` script. */
export function writeScript(filePath: string, body: string): string {
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  fs.writeFileSync(filePath, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return filePath;
}

/** True while `pid` names a live (or not yet reaped) process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls until `pid` is gone; false if it is still there after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isAlive(pid);
}

export interface SuiteServer {
  readonly client: Client;
  /** For workers. */
  readonly native: NativeConnection;
  readonly namespace: string;
}

/** Connections to the suite's dev server (global setup), opened before this file's tests and closed after. */
export function connectToSuiteServer(): SuiteServer {
  const { address, namespace } = inject('temporal');
  let connection: Connection | undefined;
  let native: NativeConnection | undefined;
  let client: Client | undefined;
  beforeAll(async () => {
    connection = await Connection.connect({ address });
    native = await NativeConnection.connect({ address });
    client = new Client({ connection, namespace });
  });
  afterAll(async () => {
    await native?.close();
    await connection?.close();
  });
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the dev server connections open in beforeAll');
    return value;
  };
  return {
    get client() {
      return opened(client);
    },
    get native() {
      return opened(native);
    },
    namespace,
  };
}
