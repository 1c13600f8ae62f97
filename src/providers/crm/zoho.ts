import { type CrmCallRecord, crmNoteText } from '../../domain/crm.ts';
import type { Logger } from '../../logger.ts';
import type { Crm } from '../ports.ts';
import { CrmRequestError, crmFetch } from './http.ts';
import { ZohoTokenCache } from './zoho-token.ts';

export interface ZohoCrmOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Defaults to https://accounts.zoho.com (use the account's data centre, e.g. .eu, .in). */
  accountsUrl?: string;
  /** Defaults to https://www.zohoapis.com. */
  apiUrl?: string;
  logger: Logger;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * The call is logged in the Calls module, upserted on a unique custom field `Switchboard_Key`
 * (create it once: Setup → Modules → Calls → single line, "Do not allow duplicate values"), so a
 * retried or replayed write updates the same call instead of adding one. The contact is upserted
 * on its phone number.
 */
export const ZOHO_SYNC_KEY_FIELD = 'Switchboard_Key';
const DEFAULT_TIMEOUT_MS = 10_000;

interface UpsertAnswer {
  data?: { code?: string; status?: string; message?: string; action?: string; details?: { id?: string } }[];
}

export function createZohoCrm(options: ZohoCrmOptions): Crm & { tokens: ZohoTokenCache } {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const apiUrl = (options.apiUrl ?? 'https://www.zohoapis.com').replace(/\/$/, '');
  const logger = options.logger.child({ crm: 'zoho' });
  const tokens = new ZohoTokenCache({
    ...options,
    accountsUrl: options.accountsUrl ?? 'https://accounts.zoho.com',
    logger,
    timeoutMs,
  });

  async function upsert(module: string, row: Record<string, unknown>, checkField: string, key: string) {
    const body = { data: [row], duplicate_check_fields: [checkField] };
    const send = (token: string) =>
      crmFetch({
        crm: 'zoho',
        method: 'POST',
        url: `${apiUrl}/crm/v2/${module}/upsert`,
        headers: { authorization: `Zoho-oauthtoken ${token}`, 'Idempotency-Key': key },
        body,
        timeoutMs,
        passThrough: [401],
      });
    const token = await tokens.get();
    let answer = await send(token);
    // Expired or revoked early: refresh once and try again with the new token.
    if (answer.status === 401) answer = await send(await tokens.invalidate(token));
    const first = (answer.body as UpsertAnswer | null)?.data?.[0];
    if (answer.status === 401 || first?.status !== 'success' || !first.details?.id) {
      const exchange = {
        request: { method: 'POST', url: `${apiUrl}/crm/v2/${module}/upsert`, headers: {}, body },
        response: { status: answer.status, body: answer.body },
      };
      throw new CrmRequestError(
        'zoho',
        `${module} upsert refused: ${first?.code ?? answer.status}`,
        false,
        exchange,
      );
    }
    return first.details.id;
  }

  return {
    name: 'zoho',
    tokens,
    async push(record: CrmCallRecord) {
      const key = record.idempotencyKey;
      const contactId = await upsert(
        'Contacts',
        { Last_Name: record.contact.name ?? record.contact.phone, Phone: record.contact.phone },
        'Phone',
        key,
      );
      const callId = await upsert(
        'Calls',
        {
          Subject: `Switchboard call ${record.call.callSid}`,
          Call_Type: record.call.direction === 'inbound' ? 'Inbound' : 'Outbound',
          Call_Start_Time: record.call.startedAt,
          Call_Duration: formatDuration(record.call.durationMs),
          Description: crmNoteText(record),
          Who_Id: { id: contactId },
          $se_module: 'Contacts',
          [ZOHO_SYNC_KEY_FIELD]: key,
        },
        ZOHO_SYNC_KEY_FIELD,
        key,
      );
      logger.debug({ key, callId }, 'zoho call logged');
      return { externalId: callId };
    },
  };
}

/** Zoho's Call_Duration is "mm:ss". */
function formatDuration(ms: number | null): string {
  const total = Math.round((ms ?? 0) / 1000);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}
