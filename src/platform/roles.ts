import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Client, type Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { ReminderSettings } from '../activities/reminder-activities.ts';
import { buildApi } from '../api/app.ts';
import {
  type CallEventFeed,
  createInProcessCallEventFeed,
  createPgCallEventFeed,
} from '../api/live/call-events.ts';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import type { NotificationSource } from '../db/notification-tap.ts';
import { saveRecordingStatus } from '../db/recordings.ts';
import { recordMessageStatus } from '../db/reminder-deliveries.ts';
import type { Logger } from '../logger.ts';
import { publicRequestUrl, verifyTwilioSignature } from '../providers/twilio/signature.ts';
import { buildRealtime, type RealtimeDeps } from '../realtime/app.ts';
import { createCallFactory } from '../realtime/call-factory.ts';
import { createCallMetrics } from '../realtime/call-metrics.ts';
import { createStreamTokens } from '../realtime/media/stream-token.ts';
import { createCallSession } from '../realtime/session/call-session.ts';
import { RECORDING_STATUS_PATH } from '../realtime/twilio-webhooks.ts';
import { temporalConnectionOptions } from '../temporal/connection.ts';
import { installTemporalRuntime, startWorker } from '../worker.ts';
import { createHealthChecker, type Probe } from './health.ts';
import { registerHousekeepingSchedules } from './housekeeping-schedules.ts';
import { listenOn } from './listen.ts';
import { databaseProbe, temporalProbe, workerProbe } from './probes.ts';
import type { ShutdownStack } from './shutdown.ts';
import { step } from './step.ts';
import type { Vendors } from './vendors.ts';

export const ROLES = ['all', 'worker', 'api', 'realtime'] as const;
export type Role = (typeof ROLES)[number];

export interface RoleDeps {
  config: Config;
  logger: Logger;
  stack: ShutdownStack;
  prisma: PrismaClient;
  connection: Connection;
  address: string;
  namespace: string;
  vendors: Vendors;
  /** Where the database is: the API's live transcripts LISTEN there (or in process, embedded). */
  database: { connectionString: string; notifications?: NotificationSource };
  /** Temporal Web UI base URL (TEMPORAL_UI_URL, or the dev server's), for links from calls. */
  temporalUiUrl?: string;
}

export interface StartedRoles {
  apiUrl?: string;
  realtimeUrl?: string;
  /** Settles if the worker stops on its own (a fatal error); the launcher then exits. */
  workerStopped?: Promise<void>;
}

export async function startRoles(role: Role, deps: RoleDeps): Promise<StartedRoles> {
  const started: StartedRoles = {};
  if (role === 'all' || role === 'worker') started.workerStopped = (await startWorkerRole(deps)).running;
  const probes = dependencyProbes(deps);
  const health = createHealthChecker(probes);
  const readiness = createHealthChecker({
    database: probes.database as Probe,
    temporal: probes.temporal as Probe,
  });
  if (role === 'all' || role === 'api') {
    const logger = deps.logger.child({ component: 'api' });
    const callEvents = callEventFeed(deps, logger);
    deps.stack.push('live transcript feed', () => callEvents.close());
    const { config } = deps;
    const app = await buildApi({
      logger,
      health,
      readiness,
      prisma: deps.prisma,
      temporal: new Client({ connection: deps.connection, namespace: deps.namespace }),
      callEvents,
      settings: {
        corsOrigins: config.api.corsOrigins,
        rateLimits: {
          read: { perMinute: config.api.rateLimitPerMinute },
          mutate: { perMinute: config.api.mutationRateLimitPerMinute },
        },
        metricsPublic: config.api.metricsPublic,
        bodyLimitBytes: config.api.bodyLimitBytes,
        temporalUiUrl: deps.temporalUiUrl,
        taskQueue: config.temporal.taskQueue,
      },
    });
    deps.stack.push('admin API', () => app.close());
    started.apiUrl = await listenOn(app, deps.config.host, deps.config.apiPort, 'API_PORT');
  }
  if (role === 'all' || role === 'realtime') {
    const app = await buildRealtime({ ...realtimeDeps(deps), health, readiness });
    deps.stack.push('realtime node', () => app.close());
    started.realtimeUrl = await listenOn(app, deps.config.host, deps.config.realtimePort, 'REALTIME_PORT');
  }
  return started;
}

function callEventFeed(deps: RoleDeps, logger: Logger): CallEventFeed {
  const { notifications, connectionString } = deps.database;
  return notifications
    ? createInProcessCallEventFeed(notifications, logger)
    : createPgCallEventFeed(connectionString, logger);
}

function dependencyProbes(deps: RoleDeps): Record<string, Probe> {
  const { connection, namespace, config, prisma } = deps;
  return {
    database: databaseProbe(prisma),
    temporal: temporalProbe(connection, namespace),
    worker: workerProbe(connection, namespace, config.temporal.taskQueue),
  };
}

async function startWorkerRole(deps: RoleDeps): Promise<{ running: Promise<void> }> {
  installTemporalRuntime(deps.logger);
  const logger = deps.logger.child({ component: 'worker' });
  const native = await step(logger, 'connect the worker to Temporal', async () =>
    NativeConnection.connect(await temporalConnectionOptions(deps.config.temporal, deps.address)),
  );
  deps.stack.push('worker connection', () => native.close());
  const worker = await step(logger, 'start the worker', () =>
    startWorker({
      connection: native,
      namespace: deps.namespace,
      taskQueue: deps.config.temporal.taskQueue,
      activities: createActivities({
        prisma: deps.prisma,
        logger,
        callControl: deps.vendors.callControl,
        recordingStatusCallbackUrl: publicRequestUrl(deps.config.publicBaseUrl, RECORDING_STATUS_PATH),
        dialer: deps.vendors.dialer,
        publicBaseUrl: deps.config.publicBaseUrl,
        callAnalyzer: deps.vendors.callAnalyzer,
        analysis: {
          fields: deps.config.postCall.analysisFields,
          maxAnswerAttempts: deps.config.postCall.maxAnswerAttempts,
        },
        crm: deps.vendors.crm,
        messaging: deps.vendors.messaging,
        reminders: reminderSettings(deps.config),
      }),
      logger,
    }),
  );
  deps.stack.push('worker', () => worker.shutdown());
  await step(logger, 'register housekeeping schedules', () => registerSchedules(deps, logger));
  // Wrapped: an async function returning a bare promise would wait for the worker to stop.
  return { running: worker.running };
}

function reminderSettings(config: Config): ReminderSettings {
  const { offsetsMs, quietHours, channel, smsFrom, template } = config.reminders;
  return {
    offsetsMs,
    quietHours,
    channel,
    template,
    fromNumber: smsFrom,
    statusCallbackUrl: publicRequestUrl(config.publicBaseUrl, '/twilio/message-status'),
    businessName: config.calls.businessName,
  };
}

function registerSchedules(deps: RoleDeps, logger: Logger): Promise<string[]> {
  const { housekeeping, temporal } = deps.config;
  const client = new Client({ connection: deps.connection, namespace: deps.namespace });
  return registerHousekeepingSchedules(
    client,
    {
      taskQueue: temporal.taskQueue,
      timeZone: housekeeping.timeZone,
      retention: { cron: housekeeping.retentionPurgeCron, retentionDays: housekeeping.retentionDays },
      crmReconciliation: { cron: housekeeping.crmReconciliationCron },
    },
    logger,
  );
}

/** Stream tokens outlive a webhook by a minute at most: Twilio connects the socket at once. */
const STREAM_TOKEN_TTL_MS = 60_000;

function realtimeDeps(deps: RoleDeps): Omit<RealtimeDeps, 'health' | 'readiness'> {
  const { config, vendors, connection } = deps;
  const logger = deps.logger.child({ component: 'realtime' });
  const client = new Client({ connection, namespace: deps.namespace });
  // Without a configured secret, tokens only verify on the node that issued them (one node).
  const secret = config.calls.streamTokenSecret ?? randomBytes(32);
  const tokens = createStreamTokens({ secret, ttlMs: STREAM_TOKEN_TTL_MS });
  const metrics = createCallMetrics();
  const createCall = createCallFactory({
    metrics,
    client,
    prisma: deps.prisma,
    stt: vendors.stt,
    llm: vendors.llm,
    tts: vendors.tts,
    logger,
    createSession: createCallSession,
    businessName: config.calls.businessName,
  });
  return {
    logger,
    metrics: metrics.registry,
    twilio: {
      client,
      taskQueue: config.temporal.taskQueue,
      authToken: vendors.twilio.authToken,
      publicBaseUrl: config.publicBaseUrl,
      tokens,
      saveRecordingStatus: (update) => saveRecordingStatus(deps.prisma, update),
      transferTo: config.calls.transferNumber,
      mediaHeartbeatTimeoutMs: config.calls.heartbeatTimeoutMs,
      recordMessageStatus: (update) => recordMessageStatus(deps.prisma, update),
    },
    media: {
      tokens,
      client,
      logger,
      createCall,
      nodeId: `${os.hostname()}:${process.pid}`,
      // Three beats per timeout: one lost signal never closes a live call.
      heartbeatIntervalMs: Math.floor(config.calls.heartbeatTimeoutMs / 3),
      verifyUpgrade: ({ url, signature }) =>
        verifyTwilioSignature({
          authToken: vendors.twilio.authToken,
          url: publicRequestUrl(config.publicBaseUrl.replace(/^http/, 'ws'), url),
          params: {},
          signature,
        }),
    },
  };
}
