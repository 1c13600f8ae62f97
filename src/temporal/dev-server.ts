import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger.ts';
import { type DevServerConfig, searchAttributeKeys } from './dev-config.ts';
import { type ManagedProcess, spawnManaged } from './managed-process.ts';
import { findFreePort, probePort } from './ports.ts';
import { registerSearchAttributes } from './search-attributes.ts';

export { registerSearchAttributes } from './search-attributes.ts';

/** grpc.health.v1 HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;
/** The dev server stops in about 1.5 s on SIGTERM; allow a slow machine several times that. */
const STOP_GRACE_MS = 10_000;

export interface DevServerOverrides {
  /** 0 picks a free port; then the UI port is also picked unless `uiPort` is given. */
  port?: number;
  /** 0 picks a free port. */
  uiPort?: number;
  /** Relative to `dataDir`, like `dbFile` in the config. */
  dbFile?: string;
  ip?: string;
}

export interface StartDevServerOptions {
  cliPath: string;
  config: DevServerConfig;
  dataDir: string;
  overrides?: DevServerOverrides;
  logger: Logger;
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  pid: number;
  /** SIGTERM, SIGKILL after 10 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export class DevServerError extends Error {
  override name = 'DevServerError';
}

interface ResolvedSettings {
  ip: string;
  port: number;
  uiPort?: number;
  dbPath: string;
}

/**
 * Starts `temporal server start-dev` as defined by temporal-dev.yml, waits until its frontend
 * answers health checks, and makes sure the configured search attributes exist.
 */
export async function startDevServer(options: StartDevServerOptions): Promise<DevServer> {
  const { config, logger } = options;
  const startedAt = performance.now();
  const settings = await resolveSettings(options);
  await fs.mkdir(path.dirname(settings.dbPath), { recursive: true });
  const address = `${settings.ip}:${settings.port}`;
  const proc = await spawnManaged({
    command: options.cliPath,
    args: devServerArgs(config, settings),
    logger,
    logLine: logServerLine,
  }).catch((err: unknown) => {
    throw new DevServerError(`could not run ${options.cliPath}: ${(err as Error).message}`);
  });
  const stop = () => proc.stop(STOP_GRACE_MS);
  try {
    const connection = await waitUntilHealthy(address, proc, options.readyTimeoutMs ?? 30_000);
    try {
      await registerSearchAttributes(connection, config.namespace, searchAttributeKeys(config), logger);
    } finally {
      await connection.close();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const uiUrl = settings.uiPort === undefined ? undefined : `http://${settings.ip}:${settings.uiPort}`;
  const startMs = Math.round(performance.now() - startedAt);
  logger.info(
    { address, namespace: config.namespace, uiUrl, dbFile: settings.dbPath, serverPid: proc.pid, startMs },
    'Temporal dev server ready',
  );
  return { address, namespace: config.namespace, uiUrl, pid: proc.pid, stop };
}

async function resolveSettings(options: StartDevServerOptions): Promise<ResolvedSettings> {
  const { config, overrides = {} } = options;
  const ip = overrides.ip ?? config.ip;
  const wantedPort = overrides.port ?? config.port;
  const port = await choosePort(ip, wantedPort, 'gRPC');
  let uiPort: number | undefined;
  if (config.ui) {
    // An ephemeral gRPC port with the fixed UI port would still clash between parallel servers.
    const wantedUi = overrides.uiPort ?? (wantedPort === 0 ? 0 : config.uiPort);
    uiPort = await choosePort(ip, wantedUi, 'UI', port);
  }
  const dbPath = path.resolve(options.dataDir, overrides.dbFile ?? config.dbFile);
  return { ip, port, uiPort, dbPath };
}

async function choosePort(ip: string, port: number, label: string, taken?: number): Promise<number> {
  if (port === taken) throw new DevServerError(`Temporal dev server: gRPC and UI port are both ${port}`);
  if (port === 0) {
    // The OS may hand out the port just picked for gRPC again, as nothing holds it yet.
    for (;;) {
      const free = await findFreePort(ip);
      if (free !== taken) return free;
    }
  }
  try {
    await probePort(ip, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${code ?? String(err)})`;
    throw new DevServerError(`Temporal dev server: ${label} port ${port} on ${ip} ${reason}`);
  }
  return port;
}

function devServerArgs(config: DevServerConfig, settings: ResolvedSettings): string[] {
  const args = ['server', 'start-dev', '--ip', settings.ip, '--port', String(settings.port)];
  args.push('--db-filename', settings.dbPath, '--log-format', 'json', '--log-level', config.logLevel);
  // `default` is always created; naming it again is redundant.
  if (config.namespace !== 'default') args.push('--namespace', config.namespace);
  if (settings.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(settings.uiPort));
  for (const [name, type] of Object.entries(config.searchAttributes)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  for (const [pragma, value] of Object.entries(config.sqlitePragmas)) {
    args.push('--sqlite-pragma', `${pragma}=${value}`);
  }
  for (const [key, value] of Object.entries(config.dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
}

/**
 * Readiness is a real gRPC round trip, not the banner (its wording changed in CLI v1.6). gRPC is
 * tried only once the port accepts TCP: grpc-js shares subchannels between clients, and one refused
 * attempt puts the address into a 1 s reconnect backoff that would delay every later attempt.
 */
async function waitUntilHealthy(
  address: string,
  proc: ManagedProcess,
  timeoutMs: number,
): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  const [host, port] = splitAddress(address);
  let lastError = 'port never accepted a connection';
  while (Date.now() < deadline) {
    if (proc.exitInfo) throw exitedEarly(proc);
    if (await acceptsTcp(host, port)) {
      const remainingMs = Math.max(deadline - Date.now(), 100);
      const result = await tryHealthCheck(address, Math.min(remainingMs, 5_000));
      if (typeof result !== 'string') return result;
      lastError = result;
    }
    await delay(50);
  }
  if (proc.exitInfo) throw exitedEarly(proc);
  throw new DevServerError(
    `Temporal dev server at ${address} not healthy within ${timeoutMs} ms (last error: ${lastError})` +
      outputTail(proc),
  );
}

/** The open connection when the frontend reports SERVING, else why not. */
async function tryHealthCheck(address: string, timeoutMs: number): Promise<Connection | string> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    const health = await connection.healthService.check({});
    if (health.status === SERVING) return connection;
    await connection.close();
    return `health status ${health.status}`;
  } catch (err) {
    await connection?.close().catch(() => {});
    return (err as Error).message;
  }
}

function acceptsTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

function exitedEarly(proc: ManagedProcess): DevServerError {
  const { code, signal } = proc.exitInfo ?? { code: null, signal: null };
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return new DevServerError(`Temporal dev server ${how} before becoming healthy${outputTail(proc)}`);
}

function outputTail(proc: ManagedProcess): string {
  const lines = proc.lastLines().slice(-8);
  return lines.length === 0 ? '' : `; last output:\n  ${lines.join('\n  ')}`;
}

/** Server lines are JSON (`--log-format json`); the CLI's own banner and errors are plain text. */
function logServerLine(logger: Logger, line: string, stopping: boolean): void {
  let entry: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed !== null && typeof parsed === 'object') entry = parsed as Record<string, unknown>;
  } catch {
    entry = undefined;
  }
  if (!entry) {
    const isError = /^(error|panic)/i.test(line);
    logger[isError && !stopping ? 'warn' : 'debug']({ source: 'temporal' }, line);
    return;
  }
  const { level, msg, time: _time, ...fields } = entry;
  const severe = typeof level === 'string' && /^(warn|error|dpanic|panic|fatal)$/i.test(level);
  // Shutdown always logs a burst of poller and dial warnings; they mean nothing then.
  const method = severe && !stopping ? 'warn' : 'debug';
  logger[method]({ source: 'temporal', temporal: fields }, typeof msg === 'string' ? msg : line);
}
