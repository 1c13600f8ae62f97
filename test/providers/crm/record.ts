import type { CrmCallRecord } from '../../../src/domain/crm.ts';

/** A plausible analysed call for adapter tests. */
export function sampleRecord(key: string, phone = '+14155552671'): CrmCallRecord {
  return {
    idempotencyKey: key,
    contact: { phone, name: 'Ada Lovelace' },
    call: {
      id: '0190d6e4-0000-7000-8000-000000000001',
      callSid: 'CA0123',
      direction: 'inbound',
      startedAt: '2026-11-20T15:00:00.000Z',
      endedAt: '2026-11-20T15:03:05.000Z',
      durationMs: 185_000,
    },
    analysis: {
      version: 1,
      status: 'ok',
      summary: 'The caller booked a cleaning for Tuesday.',
      sentiment: 'positive',
      outcome: 'booked',
      actionItems: ['Send the intake form'],
      fields: { insurer: 'Acme' },
      failureReason: null,
    },
  };
}
