import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient } from '../db/client.ts';
import {
  anonymiseExpiredReminders,
  deleteExpiredTurns,
  expiredRecordings,
  markRecordingDeleted,
  recordPurge,
} from '../db/retention.ts';
import type { CallControl } from '../providers/ports.ts';

export interface HousekeepingActivityDeps {
  prisma: PrismaClient;
  /** Deletes recordings at Twilio; without it the purge refuses to touch recordings. */
  callControl?: CallControl;
}

/** The retention purge's database work, one bounded batch per activity call. */
export function createHousekeepingActivities(deps: HousekeepingActivityDeps) {
  return {
    async purgeExpiredBatch(input: { cutoff: string; batchSize: number }) {
      const cutoff = new Date(input.cutoff);
      const turnsDeleted = await deleteExpiredTurns(deps.prisma, cutoff, input.batchSize);
      const remindersAnonymised = await anonymiseExpiredReminders(deps.prisma, cutoff, input.batchSize);
      return { turnsDeleted, remindersAnonymised };
    },
    /**
     * Deletes up to `batchSize` expired recordings at Twilio, each then marked deleted here.
     * Idempotent: a retry after a crash between the two finds Twilio's 404 and marks the call.
     * Returns how many calls were handled (deleted now or found already gone).
     */
    async purgeExpiredRecordings(input: { cutoff: string; batchSize: number }) {
      const expired = await expiredRecordings(deps.prisma, new Date(input.cutoff), input.batchSize);
      if (expired.length === 0) return { recordingsDeleted: 0, alreadyGone: 0 };
      if (!deps.callControl) {
        throw ApplicationFailure.nonRetryable(
          `${expired.length}+ recordings are past retention but no Twilio account is configured to delete them`,
          'NoTelephony',
        );
      }
      let recordingsDeleted = 0;
      let alreadyGone = 0;
      for (const call of expired) {
        const result = await deps.callControl.deleteRecording(call.recordingSid as string);
        await markRecordingDeleted(deps.prisma, call.id);
        if (result === 'deleted') recordingsDeleted += 1;
        else alreadyGone += 1;
      }
      return { recordingsDeleted, alreadyGone };
    },
    async recordRetentionPurge(input: {
      cutoff: string;
      turnsDeleted: number;
      remindersAnonymised: number;
      recordingsDeleted?: number;
      retentionDays: number;
    }): Promise<void> {
      await recordPurge(deps.prisma, input);
    },
  };
}
