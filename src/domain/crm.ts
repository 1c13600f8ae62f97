import type { CallOutcome, Sentiment, StructuredValue } from './call-analysis.ts';

/**
 * What Switchboard tells a CRM about one analysed call. Every adapter maps this one record to
 * its vendor's objects; the generic webhook sends it as is (its JSON is the documented contract).
 */

export const CRM_ADAPTER_NAMES = ['webhook', 'hubspot', 'zoho'] as const;
export type CrmAdapterName = (typeof CRM_ADAPTER_NAMES)[number];

/**
 * The failure type of a CRM's permanent rejection (a 4xx other than 408/429): non-retryable,
 * raised after the record was dead-lettered; its details carry `{ deadLetterId }`.
 */
export const CRM_REJECTED = 'CrmRejected';

export interface CrmCallRecord {
  /** `crm:<callId>:<version>`: the same for every retry and replay of this record. */
  idempotencyKey: string;
  contact: { phone: string; name: string | null };
  call: {
    id: string;
    callSid: string;
    direction: 'inbound' | 'outbound';
    startedAt: string;
    endedAt: string | null;
    durationMs: number | null;
  };
  analysis: {
    version: number;
    status: 'ok' | 'failed';
    summary: string | null;
    sentiment: Sentiment | null;
    outcome: CallOutcome | null;
    actionItems: string[];
    fields: Record<string, StructuredValue>;
    failureReason: string | null;
  };
}

/** The record as plain text, for CRMs whose call log is a note or a description field. */
export function crmNoteText(record: CrmCallRecord): string {
  const a = record.analysis;
  const lines = [
    `Switchboard ${record.call.direction} call ${record.call.callSid} at ${record.call.startedAt}`,
    a.status === 'ok' ? `Outcome: ${a.outcome} · sentiment: ${a.sentiment}` : 'Analysis failed',
    a.summary ?? a.failureReason ?? '',
    ...a.actionItems.map((item) => `- ${item}`),
  ];
  return lines.filter((l) => l !== '').join('\n');
}
