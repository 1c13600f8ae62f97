import type { CrmCallRecord } from '../../domain/crm.ts';
import type { Logger } from '../../logger.ts';
import type { Crm } from '../ports.ts';
import { crmFetch } from './http.ts';
import { SIGNATURE_HEADER, signWebhook } from './signature.ts';

export interface WebhookCrmOptions {
  url: string;
  secret: string;
  logger: Logger;
  timeoutMs?: number;
  /** Seconds since the epoch; injectable so tests can sign at a fixed time. */
  nowSec?: () => number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The generic CRM: the record as a signed JSON POST. Receivers deduplicate on `Idempotency-Key`
 * (the same for every retry and replay), which is what makes a retry after a lost answer safe.
 */
export function createWebhookCrm(options: WebhookCrmOptions): Crm {
  const nowSec = options.nowSec ?? (() => Math.floor(Date.now() / 1000));
  const logger = options.logger.child({ crm: 'webhook' });
  return {
    name: 'webhook',
    async push(record: CrmCallRecord) {
      const rawBody = JSON.stringify({ type: 'call.analyzed', data: record });
      const { body } = await crmFetch({
        crm: 'webhook',
        method: 'POST',
        url: options.url,
        headers: {
          'Idempotency-Key': record.idempotencyKey,
          [SIGNATURE_HEADER]: signWebhook(options.secret, rawBody, nowSec()),
          'User-Agent': 'Switchboard-Webhook/1',
        },
        body: rawBody,
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
      logger.debug({ key: record.idempotencyKey }, 'webhook delivered');
      const id = (body as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? { externalId: id } : {};
    },
  };
}
