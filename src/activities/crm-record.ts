import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.ts';
import type { CallOutcome, Sentiment, StructuredValue } from '../domain/call-analysis.ts';
import type { CrmCallRecord } from '../domain/crm.ts';
import { crmSyncWorkflowId } from '../workflows/crm/contract.ts';

/** The key every CRM write of this analysis version carries: the sync workflow's id. */
export const crmIdempotencyKey = crmSyncWorkflowId;

/**
 * The CRM record of one analysed call, rebuilt from the database on every attempt so a replay
 * sends what is stored now (e.g. a corrected contact name), under the same idempotency key.
 */
export async function loadCrmRecord(
  prisma: PrismaClient,
  callId: string,
  version: number,
): Promise<CrmCallRecord> {
  const call = await prisma.call.findUnique({
    where: { id: callId },
    include: { customer: true, summaries: { where: { version } } },
  });
  if (!call) throw ApplicationFailure.nonRetryable(`call ${callId} does not exist`, 'CallNotFound');
  const summary = call.summaries[0];
  if (!summary) {
    throw ApplicationFailure.nonRetryable(
      `call ${callId} has no analysis version ${version}`,
      'SummaryNotFound',
    );
  }
  const counterpart = call.direction === 'inbound' ? call.from : call.to;
  return {
    idempotencyKey: crmIdempotencyKey(callId, version),
    contact: { phone: call.customer?.phone ?? counterpart, name: call.customer?.name ?? null },
    call: {
      id: call.id,
      callSid: call.callSid,
      direction: call.direction,
      startedAt: call.startedAt.toISOString(),
      endedAt: call.endedAt?.toISOString() ?? null,
      durationMs: call.durationMs,
    },
    analysis: {
      version,
      status: summary.status,
      summary: summary.summary,
      sentiment: summary.sentiment as Sentiment | null,
      outcome: summary.outcome as CallOutcome | null,
      actionItems: Array.isArray(summary.actionItems) ? (summary.actionItems as string[]) : [],
      fields: (summary.structuredFields ?? {}) as Record<string, StructuredValue>,
      failureReason: summary.failureReason,
    },
  };
}
