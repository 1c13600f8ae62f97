import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting Switchboard reads, parsed once. This is the only module that reads
 * `process.env`; everything else receives a `Config` (or the part it needs).
 */

const port = z.coerce.number().int().min(0).max(65535);
const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const optionalUrl = (protocols: string[]) =>
  optionalText.pipe(
    z
      .string()
      .refine((v) => isUrlWithProtocol(v, protocols), `must be a ${protocols.join(' or ')} URL`)
      .optional(),
  );
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

function isUrlWithProtocol(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
  } catch {
    return false;
  }
}

const envSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().trim().min(1).default('var'),

  HOST: z.string().trim().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  REALTIME_PORT: port.default(3001),
  PUBLIC_BASE_URL: optionalUrl(['http', 'https']),
  API_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    )
    .pipe(
      z.array(
        z
          .string()
          .refine((o) => isUrlWithProtocol(o, ['http', 'https']), 'each origin must be an http(s) URL'),
      ),
    ),
  API_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(600),
  API_MUTATION_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(60),
  API_METRICS_PUBLIC: bool.default(false),
  API_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(1_048_576),

  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_DB_PORT: port.default(0),

  TEMPORAL_ADDRESS: optionalText.pipe(
    z
      .string()
      .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port')
      .optional(),
  ),
  TEMPORAL_NAMESPACE: optionalText,
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('switchboard'),
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  TEMPORAL_TLS_CA_PATH: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  TEMPORAL_UI_URL: optionalUrl(['http', 'https']),
  TEMPORAL_DEV_CONFIG: z.string().trim().min(1).default('temporal-dev.yml'),
  TEMPORAL_CLI_PATH: optionalText,
  TEMPORAL_CLI_CACHE_DIR: optionalText,
  STARTUP_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),

  STREAM_TOKEN_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  CALL_HEARTBEAT_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  TRANSFER_NUMBER: optionalText.pipe(
    z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number')
      .optional(),
  ),
  BUSINESS_NAME: optionalText,
  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  DEEPGRAM_API_KEY: optionalText,
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalUrl(['http', 'https']),
  OPENAI_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  ELEVENLABS_API_KEY: optionalText,
});

type Env = z.infer<typeof envSchema>;

export interface TemporalTlsConfig {
  certPath?: string;
  keyPath?: string;
  caPath?: string;
  serverName?: string;
}

export interface Config {
  logLevel: Env['LOG_LEVEL'];
  dataDir: string;
  host: string;
  apiPort: number;
  realtimePort: number;
  /** Base URL Twilio reaches the realtime node on; defaults to the local realtime address. */
  publicBaseUrl: string;
  api: {
    /** Browser origins allowed to call the admin API (CORS); empty means none. */
    corsOrigins: string[];
    /** Token bucket per API key: reads, and the stricter one for mutations. */
    rateLimitPerMinute: number;
    mutationRateLimitPerMinute: number;
    /** Serve /metrics without a key (for a Prometheus that cannot send one). */
    metricsPublic: boolean;
    bodyLimitBytes: number;
  };
  database: { url?: string; poolMax: number; embeddedPort: number };
  temporal: {
    /** Set when an external cluster is used; unset means the launcher runs the dev server. */
    address?: string;
    /** Unset means: the dev server's namespace (temporal-dev.yml) or `default` for a cluster. */
    namespace?: string;
    taskQueue: string;
    apiKey?: string;
    tls?: TemporalTlsConfig;
    uiUrl?: string;
    devConfigPath: string;
    cliPath?: string;
    cliCacheDir?: string;
  };
  startupTimeoutMs: number;
  calls: {
    /** Shared by every realtime node: one issues a stream token, another may verify it. */
    streamTokenSecret?: string;
    transferNumber?: string;
    businessName?: string;
    /** A call whose media node has not signalled for this long is closed by its workflow. */
    heartbeatTimeoutMs: number;
  };
  vendors: {
    twilio: { accountSid?: string; authToken?: string };
    deepgram: { apiKey?: string };
    openai: { apiKey?: string; baseUrl?: string; model: string };
    elevenlabs: { apiKey?: string };
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  checkTlsPairs(e);
  const tlsWanted =
    e.TEMPORAL_TLS || e.TEMPORAL_API_KEY !== undefined || e.TEMPORAL_TLS_CERT_PATH !== undefined;
  return Object.freeze({
    logLevel: e.LOG_LEVEL,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    host: e.HOST,
    apiPort: e.API_PORT,
    realtimePort: e.REALTIME_PORT,
    publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.REALTIME_PORT}`,
    api: {
      corsOrigins: e.API_CORS_ORIGINS,
      rateLimitPerMinute: e.API_RATE_LIMIT_PER_MIN,
      mutationRateLimitPerMinute: e.API_MUTATION_RATE_LIMIT_PER_MIN,
      metricsPublic: e.API_METRICS_PUBLIC,
      bodyLimitBytes: e.API_BODY_LIMIT_BYTES,
    },
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, embeddedPort: e.EMBEDDED_DB_PORT },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: tlsWanted
        ? {
            certPath: e.TEMPORAL_TLS_CERT_PATH,
            keyPath: e.TEMPORAL_TLS_KEY_PATH,
            caPath: e.TEMPORAL_TLS_CA_PATH,
            serverName: e.TEMPORAL_TLS_SERVER_NAME,
          }
        : undefined,
      uiUrl: e.TEMPORAL_UI_URL,
      devConfigPath: path.resolve(cwd, e.TEMPORAL_DEV_CONFIG),
      cliPath: e.TEMPORAL_CLI_PATH,
      cliCacheDir: e.TEMPORAL_CLI_CACHE_DIR,
    },
    startupTimeoutMs: e.STARTUP_TIMEOUT_MS,
    calls: {
      streamTokenSecret: e.STREAM_TOKEN_SECRET,
      transferNumber: e.TRANSFER_NUMBER,
      businessName: e.BUSINESS_NAME,
      heartbeatTimeoutMs: e.CALL_HEARTBEAT_TIMEOUT_MS,
    },
    vendors: {
      twilio: { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN },
      deepgram: { apiKey: e.DEEPGRAM_API_KEY },
      openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
      elevenlabs: { apiKey: e.ELEVENLABS_API_KEY },
    },
  });
}

function checkTlsPairs(e: Env): void {
  const cert = e.TEMPORAL_TLS_CERT_PATH !== undefined;
  const key = e.TEMPORAL_TLS_KEY_PATH !== undefined;
  if (cert !== key) {
    const missing = cert ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH';
    throw new ConfigError(`invalid configuration: ${missing}: required when mTLS is configured`);
  }
  if (e.TEMPORAL_API_KEY !== undefined && e.TEMPORAL_ADDRESS === undefined) {
    throw new ConfigError('invalid configuration: TEMPORAL_ADDRESS: required when TEMPORAL_API_KEY is set');
  }
}
