import type { PrismaClient } from './client.ts';

export interface RecordingStatusUpdate {
  callSid: string;
  recordingSid: string;
  recordingUrl: string;
  status: string;
  durationSec?: number;
}

/** Twilio reports in this order; a late or repeated callback must not move a status back. */
const ORDER = ['in-progress', 'completed', 'absent', 'failed'];

/**
 * Stores what Twilio reports about a call's recording. Idempotent, and safe in any order with
 * the activity that started the recording: both write the same sid and URL.
 * Returns false when no call has this CallSid.
 */
export async function saveRecordingStatus(
  prisma: PrismaClient,
  update: RecordingStatusUpdate,
): Promise<boolean> {
  const call = await prisma.call.findUnique({
    where: { callSid: update.callSid },
    select: { id: true, recordingStatus: true },
  });
  if (!call) return false;
  const current = ORDER.indexOf(call.recordingStatus ?? '');
  const keepStatus = current > ORDER.indexOf(update.status);
  await prisma.call.update({
    where: { id: call.id },
    data: {
      recordingSid: update.recordingSid,
      recordingUrl: update.recordingUrl,
      ...(keepStatus ? {} : { recordingStatus: update.status }),
      ...(update.durationSec !== undefined && update.durationSec >= 0
        ? { recordingDurationSec: update.durationSec }
        : {}),
    },
  });
  return true;
}
