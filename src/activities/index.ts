import os from 'node:os';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { CallControl, Messaging } from '../providers/ports.ts';
import { createAppointmentActivities } from './appointment-activities.ts';
import { createCallActivities } from './call-activities.ts';
import { createHousekeepingActivities } from './housekeeping-activities.ts';
import { createReminderActivities, type ReminderSettings } from './reminder-activities.ts';

export interface ActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  callControl?: CallControl;
  /** SMS for appointment reminders; without it reminders are recorded as skipped. */
  messaging?: Messaging;
  reminders?: ReminderSettings;
  now?: () => Date;
}

/** Builds every activity from its dependencies; the worker passes real ones, tests may pass fakes. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCallActivities(deps),
    ...createAppointmentActivities(deps),
    ...createReminderActivities(deps),
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
