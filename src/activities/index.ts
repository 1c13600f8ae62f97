import os from 'node:os';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { CallAnalyzer, CallControl } from '../providers/ports.ts';
import { createAppointmentActivities } from './appointment-activities.ts';
import { createCallActivities } from './call-activities.ts';
import { type CrmSettings, createCrmActivities } from './crm-activities.ts';
import { type AnalysisSettings, createPostCallActivities } from './post-call-activities.ts';

export interface ActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  callControl?: CallControl;
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
    ...createPostCallActivities(deps),
    ...createCrmActivities(deps),
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
