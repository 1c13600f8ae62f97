import path from 'node:path';
import { z } from 'zod';
import { type AnalysisFieldSpec, analysisFieldSpecs } from './domain/call-analysis.ts';
import { CRM_ADAPTER_NAMES, type CrmAdapterName } from './domain/crm.ts';
import { parseQuietHours, type QuietHours } from './domain/reminder-plan.ts';
import { isValidTimeZone } from './domain/time-zone.ts';

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

/** A JSON value in an env var, checked by `schema`. */
function jsonOf<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** `webhook,hubspot`, or `none` to switch CRM sync off. */
const crmAdapterList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ''),
  )
  .pipe(z.union([z.tuple([z.literal('none')]), z.array(z.enum(CRM_ADAPTER_NAMES)).min(1)]))
  .transform((list) => (list[0] === 'none' ? [] : [...new Set(list as CrmAdapterName[])]));
const DURATION = /^(\d+)\s*(s|m|h|d)$/;
const DURATION_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** "24h,2h" → [86400000, 7200000]. */
const durationList = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const out: number[] = [];
    for (const part of v.split(',').map((p) => p.trim())) {
      const m = DURATION.exec(part);
      if (!m || Number(m[1]) <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not a duration like 24h, 90m or 30s` });
        return z.NEVER;
      }
      out.push(Number(m[1]) * DURATION_MS[m[2] as keyof typeof DURATION_MS]);
    }
    return out;
  });
const quietHours = z.string().transform((v, ctx): QuietHours | null => {
  try {
    return parseQuietHours(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
const cron = z
  .string()
  .trim()
  .regex(/^(\S+\s+){4}\S+$/, 'must be a 5-field cron expression, e.g. "15 3 * * *"');

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

  CALL_ANALYSIS_FIELDS: optionalText.pipe(jsonOf(analysisFieldSpecs).optional()),
  CALL_ANALYSIS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  CALL_ANALYSIS_MODEL: optionalText,
  CRM_ADAPTERS: optionalText.pipe(crmAdapterList.optional()),
  CRM_WEBHOOK_URL: optionalUrl(['http', 'https']),
  CRM_WEBHOOK_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  HUBSPOT_ACCESS_TOKEN: optionalText,
  HUBSPOT_BASE_URL: optionalUrl(['http', 'https']),
  ZOHO_CLIENT_ID: optionalText,
  ZOHO_CLIENT_SECRET: optionalText,
  ZOHO_REFRESH_TOKEN: optionalText,
  ZOHO_ACCOUNTS_URL: optionalUrl(['http', 'https']),
  ZOHO_API_URL: optionalUrl(['http', 'https']),
  CRM_ALERT_WEBHOOK_URL: optionalUrl(['http', 'https']),
  CRM_RETRY_INITIAL_MS: z.coerce.number().int().min(10).default(1000),
  CRM_RETRY_MAX_MS: z.coerce.number().int().min(10).default(60_000),
  CRM_GIVE_UP_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(24 * 60 * 60_000),
  REMINDER_OFFSETS: durationList.default([24 * 3_600_000, 2 * 3_600_000]),
  REMINDER_QUIET_HOURS: quietHours.default({ start: '21:00', end: '08:00' }),
  REMINDER_CHANNEL: z.enum(['sms', 'call']).default('sms'),
  REMINDER_SMS_FROM: optionalText.pipe(
    z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number')
      .optional(),
  ),
  REMINDER_TEMPLATE: optionalText,
  RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
  RETENTION_PURGE_CRON: cron.default('15 3 * * *'),
  CRM_RECONCILIATION_CRON: cron.default('30 2 * * *'),
  HOUSEKEEPING_TIME_ZONE: z
    .string()
    .trim()
    .refine(isValidTimeZone, 'must be an IANA time zone')
    .default('UTC'),
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
  reminders: {
    /** How long before an appointment each reminder is due. */
    offsetsMs: number[];
    /** Local window (customer's zone) in which no reminder is sent; null = none. */
    quietHours: QuietHours | null;
    channel: 'sms' | 'call';
    /** Sender for agents without a phone number of their own. */
    smsFrom?: string;
    template?: string;
  };
  housekeeping: {
    retentionDays: number;
    retentionPurgeCron: string;
    crmReconciliationCron: string;
    /** Zone the cron expressions are read in. */
    timeZone: string;
  };
  vendors: {
    twilio: { accountSid?: string; authToken?: string };
    deepgram: { apiKey?: string };
    openai: { apiKey?: string; baseUrl?: string; model: string };
    elevenlabs: { apiKey?: string };
  };
  postCall: {
    /** Extra structured fields the analysis extracts from every call. */
    analysisFields: AnalysisFieldSpec[];
    /** Answers asked for before an invalid analysis is recorded as failed. */
    maxAnswerAttempts: number;
    /** Unset: the OpenAI model the calls use. */
    model?: string;
  };
  crm: CrmConfig;
}

export interface CrmConfig {
  /** `simulated` (nothing set): a simulated CRM on loopback; an empty list: sync switched off. */
  adapters: 'simulated' | CrmAdapterName[];
  webhook?: { url: string; secret: string };
  hubspot?: { accessToken: string; baseUrl?: string };
  zoho?: {
    clientId: string;
    clientSecret: string;
    refreshToken: string;
    accountsUrl?: string;
    apiUrl?: string;
  };
  /** Slack-compatible incoming webhook told about every dead letter. */
  alertWebhookUrl?: string;
  retry: { initialIntervalMs: number; maximumIntervalMs: number; giveUpAfterMs: number };
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
    reminders: {
      offsetsMs: e.REMINDER_OFFSETS,
      quietHours: e.REMINDER_QUIET_HOURS,
      channel: e.REMINDER_CHANNEL,
      smsFrom: e.REMINDER_SMS_FROM,
      template: e.REMINDER_TEMPLATE,
    },
    housekeeping: {
      retentionDays: e.RETENTION_DAYS,
      retentionPurgeCron: e.RETENTION_PURGE_CRON,
      crmReconciliationCron: e.CRM_RECONCILIATION_CRON,
      timeZone: e.HOUSEKEEPING_TIME_ZONE,
    },
    vendors: {
      twilio: { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN },
      deepgram: { apiKey: e.DEEPGRAM_API_KEY },
      openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
      elevenlabs: { apiKey: e.ELEVENLABS_API_KEY },
    },
    postCall: {
      analysisFields: e.CALL_ANALYSIS_FIELDS ?? [],
      maxAnswerAttempts: e.CALL_ANALYSIS_MAX_ATTEMPTS,
      model: e.CALL_ANALYSIS_MODEL,
    },
    crm: crmConfig(e),
  });
}

function crmConfig(e: Env): CrmConfig {
  const adapters = e.CRM_ADAPTERS ?? 'simulated';
  const enabled = (name: CrmAdapterName) => adapters !== 'simulated' && adapters.includes(name);
  const need = (name: CrmAdapterName, vars: Record<string, string | undefined>) => {
    const missing = Object.entries(vars).filter(([, v]) => v === undefined);
    if (missing.length > 0) {
      throw new ConfigError(
        `invalid configuration: ${missing.map(([k]) => k).join(', ')}: required when CRM_ADAPTERS includes ${name}`,
      );
    }
  };
  if (enabled('webhook'))
    need('webhook', { CRM_WEBHOOK_URL: e.CRM_WEBHOOK_URL, CRM_WEBHOOK_SECRET: e.CRM_WEBHOOK_SECRET });
  if (enabled('hubspot')) need('hubspot', { HUBSPOT_ACCESS_TOKEN: e.HUBSPOT_ACCESS_TOKEN });
  if (enabled('zoho')) {
    need('zoho', {
      ZOHO_CLIENT_ID: e.ZOHO_CLIENT_ID,
      ZOHO_CLIENT_SECRET: e.ZOHO_CLIENT_SECRET,
      ZOHO_REFRESH_TOKEN: e.ZOHO_REFRESH_TOKEN,
    });
  }
  if (e.CRM_RETRY_MAX_MS < e.CRM_RETRY_INITIAL_MS) {
    throw new ConfigError('invalid configuration: CRM_RETRY_MAX_MS: must not be below CRM_RETRY_INITIAL_MS');
  }
  return {
    adapters,
    webhook: enabled('webhook')
      ? { url: e.CRM_WEBHOOK_URL as string, secret: e.CRM_WEBHOOK_SECRET as string }
      : undefined,
    hubspot: enabled('hubspot')
      ? { accessToken: e.HUBSPOT_ACCESS_TOKEN as string, baseUrl: e.HUBSPOT_BASE_URL }
      : undefined,
    zoho: enabled('zoho')
      ? {
          clientId: e.ZOHO_CLIENT_ID as string,
          clientSecret: e.ZOHO_CLIENT_SECRET as string,
          refreshToken: e.ZOHO_REFRESH_TOKEN as string,
          accountsUrl: e.ZOHO_ACCOUNTS_URL,
          apiUrl: e.ZOHO_API_URL,
        }
      : undefined,
    alertWebhookUrl: e.CRM_ALERT_WEBHOOK_URL,
    retry: {
      initialIntervalMs: e.CRM_RETRY_INITIAL_MS,
      maximumIntervalMs: e.CRM_RETRY_MAX_MS,
      giveUpAfterMs: e.CRM_GIVE_UP_AFTER_MS,
    },
  };
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
