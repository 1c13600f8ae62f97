import { type Client, ScheduleAlreadyRunning, type ScheduleOptions } from '@temporalio/client';
import type { Logger } from '../logger.ts';
import { crmReconciliationWorkflowType } from '../workflows/crm/contract.ts';
import {
  CRM_RECONCILIATION_SCHEDULE_ID,
  RETENTION_PURGE_SCHEDULE_ID,
  type RetentionPurgeInput,
  retentionPurgeWorkflowType,
} from '../workflows/housekeeping/contract.ts';

export interface HousekeepingScheduleSettings {
  taskQueue: string;
  retention: { cron: string; retentionDays: number; batchSize?: number };
  crmReconciliation: { cron: string };
  /** Prefix for schedule ids; tests sharing one Temporal server use their own. */
  idPrefix?: string;
  /** Zone the cron expressions are read in (default UTC). */
  timeZone?: string;
}

/**
 * Overlap is SKIP, so a run that hangs (e.g. its workflow type is not deployed on any worker yet)
 * would block every later one; it is cut off well before the next nightly run.
 */
const RUN_LIMIT = '20 hours';

type ScheduleDefinition = Omit<ScheduleOptions, 'scheduleId'> & { scheduleId: string };

export function housekeepingSchedules(settings: HousekeepingScheduleSettings): ScheduleDefinition[] {
  const prefix = settings.idPrefix ?? '';
  const common = { overlap: 'SKIP' as const, catchupWindow: '1 hour' };
  const retentionArgs: [RetentionPurgeInput] = [
    { retentionDays: settings.retention.retentionDays, batchSize: settings.retention.batchSize },
  ];
  return [
    {
      scheduleId: `${prefix}${RETENTION_PURGE_SCHEDULE_ID}`,
      spec: { cronExpressions: [settings.retention.cron], timezone: settings.timeZone },
      action: {
        type: 'startWorkflow',
        workflowType: retentionPurgeWorkflowType,
        workflowId: `${prefix}retention-purge`,
        taskQueue: settings.taskQueue,
        workflowExecutionTimeout: RUN_LIMIT,
        args: retentionArgs,
      },
      policies: common,
    },
    {
      scheduleId: `${prefix}${CRM_RECONCILIATION_SCHEDULE_ID}`,
      spec: { cronExpressions: [settings.crmReconciliation.cron], timezone: settings.timeZone },
      action: {
        type: 'startWorkflow',
        workflowType: crmReconciliationWorkflowType,
        workflowId: `${prefix}crm-reconciliation`,
        taskQueue: settings.taskQueue,
        workflowExecutionTimeout: RUN_LIMIT,
        args: [],
      },
      policies: common,
    },
  ];
}

/**
 * Create-or-update, so every worker start (and every replica) converges on one schedule per job
 * with the current configuration. Pauses made by an operator are kept.
 */
export async function registerHousekeepingSchedules(
  client: Client,
  settings: HousekeepingScheduleSettings,
  logger: Logger,
): Promise<string[]> {
  const ids: string[] = [];
  for (const definition of housekeepingSchedules(settings)) {
    const { scheduleId, ...options } = definition;
    try {
      await client.schedule.create({ scheduleId, ...options });
      logger.info({ scheduleId }, 'housekeeping schedule created');
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(scheduleId).update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: options.policies,
      }));
      logger.info({ scheduleId }, 'housekeeping schedule updated');
    }
    ids.push(scheduleId);
  }
  return ids;
}
