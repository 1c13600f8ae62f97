import { ApplicationFailure, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import type { RetentionPurgeInput, RetentionPurgeResult } from './contract.ts';

const acts = proxyActivities<
  Pick<Activities, 'purgeExpiredBatch' | 'purgeExpiredRecordings' | 'recordRetentionPurge'>
>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

const DEFAULT_BATCH_SIZE = 1000;
const DAY_MS = 86_400_000;
/** A purge far bigger than this continues on the next scheduled run instead of growing history. */
const MAX_BATCHES_PER_RUN = 1000;
/** Each recording is one Twilio request: a batch must fit well inside the activity timeout. */
const RECORDINGS_PER_BATCH = 50;

/**
 * Deletes transcripts older than the retention period in batches, then the recordings of those
 * calls at Twilio, and records the counts in the audit log. The cutoff is fixed at the start so a long purge does not chase the clock.
 */
export async function retentionPurgeWorkflow(input: RetentionPurgeInput): Promise<RetentionPurgeResult> {
  if (!Number.isInteger(input.retentionDays) || input.retentionDays < 1) {
    const message = `retentionDays must be a positive integer, got ${input.retentionDays}`;
    throw ApplicationFailure.nonRetryable(message, 'InvalidInput');
  }
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const cutoff = new Date(Date.now() - input.retentionDays * DAY_MS).toISOString();
  const totals = { turnsDeleted: 0, remindersAnonymised: 0 };
  let batches = 0;
  for (; batches < MAX_BATCHES_PER_RUN; ) {
    const batch = await acts.purgeExpiredBatch({ cutoff, batchSize });
    batches += 1;
    totals.turnsDeleted += batch.turnsDeleted;
    totals.remindersAnonymised += batch.remindersAnonymised;
    if (batch.turnsDeleted < batchSize && batch.remindersAnonymised < batchSize) break;
  }
  // Runs recorded before recordings were purged replay without this phase.
  if (patched('retention-purges-recordings')) {
    let recordingsDeleted = 0;
    for (let n = 0; n < MAX_BATCHES_PER_RUN; n++) {
      const size = Math.min(batchSize, RECORDINGS_PER_BATCH);
      const batch = await acts.purgeExpiredRecordings({ cutoff, batchSize: size });
      recordingsDeleted += batch.recordingsDeleted + batch.alreadyGone;
      if (batch.recordingsDeleted + batch.alreadyGone < size) break;
    }
    const all = { ...totals, recordingsDeleted };
    await acts.recordRetentionPurge({ cutoff, retentionDays: input.retentionDays, ...all });
    return { cutoff, batches, ...all };
  }
  await acts.recordRetentionPurge({ cutoff, retentionDays: input.retentionDays, ...totals });
  return { cutoff, batches, ...totals };
}
