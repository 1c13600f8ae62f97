import { ApplicationFailure } from '@temporalio/activity';
import type { Prisma, PrismaClient } from '../db/client.ts';
import { CRM_REJECTED, type CrmCallRecord } from '../domain/crm.ts';
import type { Logger } from '../logger.ts';
import { CrmRequestError } from '../providers/crm/http.ts';
import type { Alerter, Crm } from '../providers/ports.ts';
import { crmIdempotencyKey, loadCrmRecord } from './crm-record.ts';

export interface CrmSettings {
  /** The enabled CRMs; empty means CRM sync is switched off. */
  adapters: Crm[];
  alerter?: Alerter;
  retry: CrmRetrySettings;
}

export interface CrmRetrySettings {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  /** After this long without success a record is marked failed; reconciliation re-queues it. */
  giveUpAfterMs: number;
  /**
   * How long one attempt may run before Temporal gives up on it and retries: the bound on a
   * worker that died mid-write. Default 1 minute (a CRM write is a few requests of ≤ 10 s each).
   */
  attemptTimeoutMs?: number;
}

export interface CrmActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  crm?: CrmSettings;
  now?: () => Date;
}

/** A Retry-After longer than this is not waited for in one step: the backoff takes over again. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;
export const DEFAULT_CRM_RETRY: CrmRetrySettings = {
  initialIntervalMs: 1000,
  maximumIntervalMs: 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
};

export function createCrmActivities(deps: CrmActivityDeps) {
  const now = deps.now ?? (() => new Date());
  const adapters = new Map((deps.crm?.adapters ?? []).map((a) => [a.name as string, a]));
  const retry = deps.crm?.retry ?? DEFAULT_CRM_RETRY;
  const recordKey = (callId: string, version: number, adapter: string) => ({
    idempotencyKey_adapter: { idempotencyKey: crmIdempotencyKey(callId, version), adapter },
  });

  return {
    /** One sync record per enabled CRM (created once); returns the CRMs still to be written. */
    async prepareCrmSync(input: { callId: string; version: number }) {
      const pending: string[] = [];
      for (const adapter of adapters.keys()) {
        const record = await deps.prisma.crmSyncRecord.upsert({
          where: recordKey(input.callId, input.version, adapter),
          create: {
            idempotencyKey: crmIdempotencyKey(input.callId, input.version),
            callId: input.callId,
            version: input.version,
            adapter,
          },
          update: {},
        });
        if (record.status === 'pending' || record.status === 'failed') pending.push(adapter);
      }
      return { adapters: pending, retry };
    },

    /**
     * One attempt at writing the record to one CRM. Retryable failures throw (with the CRM's
     * Retry-After as the next delay); a rejection is dead-lettered here, in the same transaction
     * that marks the record, then thrown as a non-retryable `CrmRejected` naming the dead letter.
     */
    async pushCrmRecord(input: { callId: string; version: number; adapter: string }): Promise<void> {
      const crm = adapters.get(input.adapter);
      if (!crm) throw ApplicationFailure.nonRetryable(`CRM ${input.adapter} is not enabled`, 'CrmNotEnabled');
      const where = recordKey(input.callId, input.version, input.adapter);
      const existing = await deps.prisma.crmSyncRecord.findUniqueOrThrow({
        where,
        include: { deadLetters: { orderBy: { createdAt: 'desc' }, take: 1 } },
      });
      if (existing.status === 'succeeded') return;
      // Dead-lettered by an attempt whose worker died before reporting: the CRM is not asked again.
      const earlier = existing.deadLetters[0];
      if (existing.status === 'dead_lettered' && earlier) throw rejected(earlier.reason, earlier.id);
      const record = await loadCrmRecord(deps.prisma, input.callId, input.version);
      await deps.prisma.crmSyncRecord.update({ where, data: { attempts: { increment: 1 } } });
      try {
        const result = await crm.push(record);
        await deps.prisma.crmSyncRecord.update({
          where,
          data: { status: 'succeeded', externalId: result.externalId, syncedAt: now(), lastError: null },
        });
      } catch (error) {
        if (!(error instanceof CrmRequestError)) throw error;
        if (error.retryable) {
          // Only while the record is as this attempt found it: an attempt still in flight when the
          // workflow gave up (markCrmSyncFailed) must not replace the give-up reason with its error.
          await deps.prisma.crmSyncRecord.updateMany({
            where: { ...where.idempotencyKey_adapter, status: existing.status },
            data: { lastError: error.message.slice(0, 1000) },
          });
          throw ApplicationFailure.create({
            message: error.message,
            type: 'CrmUnavailable',
            ...(error.retryAfterMs !== undefined
              ? { nextRetryDelay: Math.min(Math.max(error.retryAfterMs, 1), MAX_RETRY_AFTER_MS) }
              : {}),
          });
        }
        const deadLetterId = await deadLetter(deps.prisma, existing.id, record, error);
        throw rejected(error.message, deadLetterId);
      }
    },

    async alertCrmDeadLetter(input: { deadLetterId: string }): Promise<boolean> {
      const alerter = deps.crm?.alerter;
      if (!alerter) return false;
      const letter = await deps.prisma.crmDeadLetter.findUniqueOrThrow({
        where: { id: input.deadLetterId },
        include: { syncRecord: true },
      });
      const r = letter.syncRecord;
      try {
        await alerter.send(
          `:warning: CRM ${r.adapter} rejected ${r.idempotencyKey}: ${letter.reason}. ` +
            `Dead letter ${letter.id} can be replayed once the cause is fixed.`,
        );
      } catch (error) {
        // A misconfigured alert URL will not heal by retrying; the dead letter is stored either way.
        if (error instanceof CrmRequestError && !error.retryable) {
          throw ApplicationFailure.nonRetryable(error.message, 'AlertRejected');
        }
        throw error;
      }
      return true;
    },

    /** Retries ran out (the CRM was down longer than giveUpAfterMs): reconciliation takes it from here. */
    async markCrmSyncFailed(input: { callId: string; version: number; adapter: string; reason: string }) {
      await deps.prisma.crmSyncRecord.updateMany({
        where: {
          ...recordKey(input.callId, input.version, input.adapter).idempotencyKey_adapter,
          status: 'pending',
        },
        data: { status: 'failed', lastError: input.reason.slice(0, 1000) },
      });
    },

    /** Puts a dead letter's record back in play; `done` when an earlier replay already succeeded. */
    async beginCrmReplay(input: { deadLetterId: string }) {
      const letter = await deps.prisma.crmDeadLetter.findUnique({
        where: { id: input.deadLetterId },
        include: { syncRecord: true },
      });
      if (!letter)
        throw ApplicationFailure.nonRetryable(`no dead letter ${input.deadLetterId}`, 'DeadLetterNotFound');
      const r = letter.syncRecord;
      if (!r.callId || r.version === null) {
        throw ApplicationFailure.nonRetryable(
          'the dead letter no longer has a call to replay',
          'DeadLetterOrphaned',
        );
      }
      const target = { callId: r.callId, version: r.version, adapter: r.adapter };
      if (r.status === 'succeeded') return { done: true, ...target, retry };
      await deps.prisma.crmSyncRecord.update({ where: { id: r.id }, data: { status: 'pending' } });
      return { done: false, ...target, retry };
    },

    async finishCrmReplay(input: { deadLetterId: string }): Promise<void> {
      await deps.prisma.crmDeadLetter.updateMany({
        where: { id: input.deadLetterId, replayedAt: null },
        data: { replayedAt: now() },
      });
    },

    /** (call, version) pairs with a record that never completed and has been quiet for a while. */
    async findUnfinishedCrmSyncs(input: { quietForMs: number; limit: number }) {
      const rows = await deps.prisma.crmSyncRecord.findMany({
        where: {
          status: { in: ['pending', 'failed'] },
          updatedAt: { lt: new Date(now().getTime() - input.quietForMs) },
          callId: { not: null },
          version: { not: null },
        },
        distinct: ['callId', 'version'],
        select: { callId: true, version: true },
        orderBy: { updatedAt: 'asc' },
        take: input.limit,
      });
      return rows.map((r) => ({ callId: r.callId as string, version: r.version as number }));
    },
  };
}

async function deadLetter(
  prisma: PrismaClient,
  syncRecordId: string,
  record: CrmCallRecord,
  error: CrmRequestError,
): Promise<string> {
  const [letter] = await prisma.$transaction([
    prisma.crmDeadLetter.create({
      data: {
        syncRecordId,
        request: { ...error.exchange.request, record } as unknown as Prisma.InputJsonValue,
        ...(error.exchange.response
          ? { response: error.exchange.response as unknown as Prisma.InputJsonValue }
          : {}),
        reason: error.message.slice(0, 2000),
      },
    }),
    // A late, abandoned attempt must not undo a success a newer attempt already recorded.
    prisma.crmSyncRecord.updateMany({
      where: { id: syncRecordId, status: { not: 'succeeded' } },
      data: { status: 'dead_lettered', lastError: error.message.slice(0, 1000) },
    }),
  ]);
  return letter.id;
}

function rejected(reason: string, deadLetterId: string): ApplicationFailure {
  return ApplicationFailure.create({
    message: reason,
    type: CRM_REJECTED,
    nonRetryable: true,
    details: [{ deadLetterId }],
  });
}
