import type { PrismaClient } from './client.ts';

/**
 * Data retention: transcripts of old calls are deleted in bounded batches (one short transaction
 * each, so a purge of millions of turns never holds long locks), and each run leaves one audit
 * row with the count. The call rows, summaries and appointments stay: they are the business record.
 */

/** Deletes up to `batchSize` turns of calls that started before `cutoff`; returns how many. */
export async function deleteExpiredTurns(
  prisma: PrismaClient,
  cutoff: Date,
  batchSize: number,
): Promise<number> {
  return prisma.$executeRaw`
    DELETE FROM turns WHERE id IN (
      SELECT t.id FROM turns t JOIN calls c ON c.id = t.call_id
      WHERE c.started_at < ${cutoff}
      LIMIT ${batchSize}
    )`;
}

/**
 * Reminder texts name the customer and the appointment time: older than the cutoff, the phone
 * number and text are blanked, keeping the row (and its delivery status) as a count.
 */
export async function anonymiseExpiredReminders(prisma: PrismaClient, cutoff: Date, batchSize: number) {
  return prisma.$executeRaw`
    UPDATE reminder_deliveries SET "to" = 'redacted', body = '', updated_at = now()
    WHERE id IN (
      SELECT id FROM reminder_deliveries
      WHERE claimed_at < ${cutoff} AND "to" <> 'redacted'
      LIMIT ${batchSize}
    )`;
}

/** Calls older than `cutoff` whose recording still exists at Twilio (oldest first). */
export function expiredRecordings(prisma: PrismaClient, cutoff: Date, batchSize: number) {
  return prisma.call.findMany({
    where: {
      startedAt: { lt: cutoff },
      recordingSid: { not: null },
      OR: [{ recordingStatus: null }, { recordingStatus: { not: 'deleted' } }],
    },
    orderBy: { startedAt: 'asc' },
    take: batchSize,
    select: { id: true, recordingSid: true },
  });
}

/** The recording is gone at Twilio: its URL goes; the sid stays as the record of what was deleted. */
export function markRecordingDeleted(prisma: PrismaClient, callId: string) {
  return prisma.call.update({
    where: { id: callId },
    data: { recordingUrl: null, recordingStatus: 'deleted' },
  });
}

export async function recordPurge(
  prisma: PrismaClient,
  details: {
    cutoff: string;
    turnsDeleted: number;
    remindersAnonymised: number;
    recordingsDeleted?: number;
    retentionDays: number;
  },
): Promise<void> {
  const target = `turns,reminder_deliveries${details.recordingsDeleted === undefined ? '' : ',recordings'}`;
  await prisma.auditLogEntry.create({ data: { action: 'retention.purge', target, details } });
}
