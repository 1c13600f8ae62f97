import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { CallControl } from '../providers/ports.ts';

export interface RecordingActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  callControl?: CallControl;
  /** Where Twilio posts recording status (the realtime node's /twilio/recording-status). */
  recordingStatusCallbackUrl?: string;
}

export function createRecordingActivities(deps: RecordingActivityDeps) {
  return {
    /**
     * Starts the call's dual-channel recording and stores its id and URL. Safe to retry: the
     * adapter returns a recording that is already running instead of starting a second one.
     */
    async startRecording(input: {
      callId: string;
      callSid: string;
    }): Promise<{ recordingSid: string } | null> {
      if (!deps.callControl || !deps.recordingStatusCallbackUrl) {
        deps.logger.warn(
          { callSid: input.callSid },
          'recording requested but no telephony account is configured',
        );
        return null;
      }
      const recording = await deps.callControl.startRecording(input.callSid, deps.recordingStatusCallbackUrl);
      await deps.prisma.call.update({
        where: { id: input.callId },
        data: { recordingSid: recording.sid, recordingUrl: recording.url },
      });
      // The status callback may have been faster than this write; never move a status back.
      await deps.prisma.call.updateMany({
        where: { id: input.callId, recordingStatus: null },
        data: { recordingStatus: recording.status },
      });
      return { recordingSid: recording.sid };
    },
  };
}
