import fs from 'node:fs/promises';
import { Connection, isGrpcServiceError, type TLSConfig } from '@temporalio/client';

/** gRPC status codes we explain (from @grpc/grpc-js `status`, not a direct dependency). */
const GRPC = {
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

export interface TemporalTlsFiles {
  /** Client certificate and key for mTLS; both or neither. */
  certPath?: string;
  keyPath?: string;
  /** CA that signed the server certificate, when the system trust store does not know it. */
  caPath?: string;
  serverName?: string;
}

export interface TemporalConnectionSettings {
  /** Temporal Cloud API key; implies TLS. */
  apiKey?: string;
  /** Set (even `{}`) to use TLS. */
  tls?: TemporalTlsFiles;
  /** Sent as `temporal-namespace` metadata with an API key (needed by Cloud's regional endpoints). */
  namespace?: string;
}

export interface ConnectTemporalOptions extends TemporalConnectionSettings {
  address: string;
  namespace: string;
  connectTimeoutMs?: number;
}

/** The options shared by the client `Connection` and the worker's `NativeConnection`. */
export interface SharedConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export class TemporalConnectionError extends Error {
  override name = 'TemporalConnectionError';
}

/** Builds connection options, reading TLS material from files. */
export async function temporalConnectionOptions(
  settings: TemporalConnectionSettings,
  address: string,
): Promise<SharedConnectionOptions> {
  const options: SharedConnectionOptions = { address };
  if (settings.tls !== undefined || settings.apiKey !== undefined) {
    options.tls = await readTls(settings.tls ?? {});
  }
  if (settings.apiKey !== undefined) {
    options.apiKey = settings.apiKey;
    if (settings.namespace) options.metadata = { 'temporal-namespace': settings.namespace };
  }
  return options;
}

async function readTls(files: TemporalTlsFiles): Promise<TLSConfig> {
  if ((files.certPath === undefined) !== (files.keyPath === undefined)) {
    throw new TemporalConnectionError('TLS client certificate and key must be given together');
  }
  const tls: TLSConfig = {};
  if (files.serverName) tls.serverNameOverride = files.serverName;
  if (files.caPath) tls.serverRootCACertificate = await readPem(files.caPath, 'CA certificate');
  if (files.certPath && files.keyPath) {
    tls.clientCertPair = {
      crt: await readPem(files.certPath, 'client certificate'),
      key: await readPem(files.keyPath, 'client key'),
    };
  }
  return tls;
}

async function readPem(filePath: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(filePath);
  } catch (err) {
    throw new TemporalConnectionError(`cannot read TLS ${what} ${filePath}: ${(err as Error).message}`);
  }
}

/** Connects (one GetSystemInfo round trip) or throws a TemporalConnectionError naming the address. */
export async function connectTemporal(options: ConnectTemporalOptions): Promise<Connection> {
  const connectionOptions = await temporalConnectionOptions(options, options.address);
  try {
    return await Connection.connect({
      ...connectionOptions,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
    });
  } catch (err) {
    const tlsNote = connectionOptions.tls ? ' over TLS' : '';
    throw new TemporalConnectionError(
      `cannot connect to Temporal at ${options.address}${tlsNote}: ${explain(err)}`,
    );
  }
}

/** Verifies that `namespace` exists and this connection may use it. */
export async function checkTemporalHealth(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    const address = connection.options.address;
    if (isGrpcServiceError(err) && err.code === GRPC.NOT_FOUND) {
      throw new TemporalConnectionError(`Temporal namespace "${namespace}" does not exist at ${address}`);
    }
    throw new TemporalConnectionError(`Temporal namespace "${namespace}" at ${address}: ${explain(err)}`);
  }
}

function explain(err: unknown): string {
  if (isGrpcServiceError(err)) {
    const hint: Record<number, string> = {
      [GRPC.UNAVAILABLE]: 'server unavailable',
      [GRPC.DEADLINE_EXCEEDED]: 'timed out',
      [GRPC.UNAUTHENTICATED]: 'not authenticated (check the API key or client certificate)',
      [GRPC.PERMISSION_DENIED]: 'permission denied',
    };
    return `${hint[err.code] ?? `gRPC code ${err.code}`} (${err.details || err.message})`;
  }
  return err instanceof Error ? err.message : String(err);
}
