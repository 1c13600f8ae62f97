import os from 'node:os';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { CallAnalyzer, CallControl, Messaging, OutboundDialer } from '../providers/ports.ts';
import { createAppointmentActivities } from './appointment-activities.ts';
import { createCallActivities } from './call-activities.ts';
import { createCampaignActivities } from './campaign-activities.ts';
import { type CrmSettings, createCrmActivities } from './crm-activities.ts';
import { createHousekeepingActivities } from './housekeeping-activities.ts';
import { createOptOutActivities } from './opt-out-activities.ts';
import { createOutboundActivities } from './outbound-activities.ts';
import { type AnalysisSettings, createPostCallActivities } from './post-call-activities.ts';
import { createRecordingActivities } from './recording-activities.ts';
import { createReminderActivities, type ReminderSettings } from './reminder-activities.ts';
import { createReminderCallActivities } from './reminder-call-activities.ts';

export interface ActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  callControl?: CallControl;
  /** Where Twilio posts recording status (the realtime node's /twilio/recording-status). */
  recordingStatusCallbackUrl?: string;
  /** Places outbound calls (Twilio Calls.create); absent means dialing fails fast. */
  dialer?: OutboundDialer;
  /** The realtime node's public origin, for the webhooks of calls we place. */
  publicBaseUrl?: string;
  /** SMS for appointment reminders; without it reminders are recorded as skipped. */
  messaging?: Messaging;
  reminders?: ReminderSettings;
  now?: () => Date;
  /** Post-call analysis model; absent: analyses of calls with a transcript are recorded failed. */
  callAnalyzer?: CallAnalyzer;
  analysis?: AnalysisSettings;
  /** Enabled CRMs, alert webhook and retry timing; absent: CRM sync is off. */
  crm?: CrmSettings;
}

/** Builds every activity from its dependencies; the worker passes real ones, tests may pass fakes. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCallActivities(deps),
    ...createAppointmentActivities(deps),
    ...createRecordingActivities(deps),
    ...createCampaignActivities(deps),
    ...createOutboundActivities(deps),
    ...createOptOutActivities(deps),
    ...createPostCallActivities(deps),
    ...createCrmActivities(deps),
    ...createReminderActivities(deps),
    ...createReminderCallActivities(deps),
    ...createHousekeepingActivities(deps),
    async readDatabaseTime(): Promise<string> {
      const rows = await deps.prisma.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
      const now = rows[0]?.now;
      if (!now) throw new Error('database returned no time');
      return new Date(now).toISOString();
    },
    async describeWorker(): Promise<string> {
      return `${os.hostname()}:${process.pid}`;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
