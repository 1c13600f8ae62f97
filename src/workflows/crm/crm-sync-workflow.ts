import { ActivityFailure, ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { CrmRetrySettings } from '../../activities/crm-activities.ts';
import type { Activities } from '../../activities/index.ts';
import { CRM_REJECTED } from '../../domain/crm.ts';
import type { CrmReplayInput, CrmSyncInput, CrmSyncResult } from './contract.ts';

const db = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: ['DeadLetterNotFound', 'DeadLetterOrphaned'],
  },
});

/**
 * The CRM write, retried with exponential backoff up to the configured ceiling (or the CRM's
 * Retry-After) for as long as `giveUpAfterMs`; a rejection fails at once as `CrmRejected`.
 */
// Alerts are worth a few tries, not a stuck sync: the dead letter is already recorded.
const alerts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 8 },
});

function crmWriter(retry: CrmRetrySettings) {
  return proxyActivities<Activities>({
    startToCloseTimeout: retry.attemptTimeoutMs ?? '1 minute',
    scheduleToCloseTimeout: retry.giveUpAfterMs,
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs,
      nonRetryableErrorTypes: [CRM_REJECTED, 'CrmNotEnabled', 'CallNotFound', 'SummaryNotFound'],
    },
  });
}

type Target = { callId: string; version: number; adapter: string };
type AdapterResult = CrmSyncResult['results'][number];

async function pushWithAlert(writer: ReturnType<typeof crmWriter>, target: Target): Promise<AdapterResult> {
  try {
    await writer.pushCrmRecord(target);
    return { adapter: target.adapter, status: 'succeeded' };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const deadLetterId = rejectedDeadLetter(error);
    if (deadLetterId) {
      await alert(deadLetterId);
      return { adapter: target.adapter, status: 'dead_lettered', deadLetterId };
    }
    const reason = error.cause?.message ?? error.message;
    await db.markCrmSyncFailed({ ...target, reason: `gave up retrying: ${reason}` });
    return { adapter: target.adapter, status: 'failed' };
  }
}

/** The dead letter a `CrmRejected` failure names, if that is what this failure is. */
function rejectedDeadLetter(error: ActivityFailure): string | undefined {
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== CRM_REJECTED) return undefined;
  return (cause.details?.[0] as { deadLetterId?: string } | undefined)?.deadLetterId;
}

async function alert(deadLetterId: string): Promise<void> {
  try {
    await alerts.alertCrmDeadLetter({ deadLetterId });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn('dead-letter alert could not be sent', { deadLetterId, error: error.message });
  }
}

/** `crm:<callId>:<version>`: writes one analysed call to every enabled CRM, each exactly once. */
export async function crmSyncWorkflow(input: CrmSyncInput): Promise<CrmSyncResult> {
  const plan = await db.prepareCrmSync(input);
  const writer = crmWriter(plan.retry);
  const results = await Promise.all(
    plan.adapters.map((adapter) => pushWithAlert(writer, { ...input, adapter })),
  );
  return { results };
}

/** Replays one dead letter with the same idempotency key; a second replay finds it done. */
export async function crmReplayWorkflow(input: CrmReplayInput): Promise<AdapterResult> {
  const replay = await db.beginCrmReplay(input);
  const target = { callId: replay.callId, version: replay.version, adapter: replay.adapter };
  if (replay.done) return { adapter: replay.adapter, status: 'succeeded' };
  const result = await pushWithAlert(crmWriter(replay.retry), target);
  if (result.status === 'succeeded') await db.finishCrmReplay(input);
  return result;
}
