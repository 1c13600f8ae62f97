import type { PrismaClient } from '../db/client.ts';
import { anonymiseExpiredReminders, deleteExpiredTurns, recordPurge } from '../db/retention.ts';

export interface HousekeepingActivityDeps {
  prisma: PrismaClient;
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
    async recordRetentionPurge(input: {
      cutoff: string;
      turnsDeleted: number;
      remindersAnonymised: number;
      retentionDays: number;
    }): Promise<void> {
      await recordPurge(deps.prisma, input);
    },
  };
}
