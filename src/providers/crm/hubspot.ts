import { type CrmCallRecord, crmNoteText } from '../../domain/crm.ts';
import type { Logger } from '../../logger.ts';
import type { Crm } from '../ports.ts';
import { crmFetch } from './http.ts';

export interface HubSpotCrmOptions {
  /** A private app's access token with crm.objects.contacts.write and notes scopes. */
  accessToken: string;
  /** Defaults to https://api.hubapi.com. */
  baseUrl?: string;
  logger: Logger;
  timeoutMs?: number;
}

/**
 * HubSpot has no idempotency header, so each write is made idempotent by looking first: the
 * contact by phone, the note by a custom note property `switchboard_sync_key` (create it once in
 * the portal: Settings → Properties → Note, single-line text). A retry after a lost answer finds
 * the note it already wrote. HubSpot's search index lags writes by a few seconds, so a retry
 * sooner than that after a lost answer could still write twice (HubSpot has no idempotency
 * header); docs/post-call-and-crm.md lists this as a known gap.
 */
export const HUBSPOT_SYNC_KEY_PROPERTY = 'switchboard_sync_key';
/** HubSpot-defined association type id for note → contact (v4 associations). */
const NOTE_TO_CONTACT = 202;
const DEFAULT_TIMEOUT_MS = 10_000;

interface SearchResult {
  total?: number;
  results?: { id: string; properties?: Record<string, string | null> }[];
}

export function createHubSpotCrm(options: HubSpotCrmOptions): Crm {
  const base = (options.baseUrl ?? 'https://api.hubapi.com').replace(/\/$/, '');
  const logger = options.logger.child({ crm: 'hubspot' });
  const call = async (method: 'POST' | 'PATCH', path: string, body: unknown, key: string) =>
    (
      await crmFetch({
        crm: 'hubspot',
        method,
        url: `${base}${path}`,
        headers: { authorization: `Bearer ${options.accessToken}`, 'Idempotency-Key': key },
        body,
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      })
    ).body;
  const searchOne = async (objectType: string, property: string, value: string, key: string) => {
    const body = {
      filterGroups: [{ filters: [{ propertyName: property, operator: 'EQ', value }] }],
      limit: 1,
    };
    const found = (await call('POST', `/crm/v3/objects/${objectType}/search`, body, key)) as SearchResult;
    return found?.results?.[0]?.id;
  };

  return {
    name: 'hubspot',
    async push(record: CrmCallRecord) {
      const key = record.idempotencyKey;
      const contactId = await upsertContact(record, key);
      const existing = await searchOne('notes', HUBSPOT_SYNC_KEY_PROPERTY, key, key);
      if (existing) {
        logger.debug({ key, noteId: existing }, 'note already logged');
        return { externalId: existing };
      }
      const note = (await call(
        'POST',
        '/crm/v3/objects/notes',
        {
          properties: {
            hs_timestamp: record.call.endedAt ?? record.call.startedAt,
            hs_note_body: crmNoteText(record),
            [HUBSPOT_SYNC_KEY_PROPERTY]: key,
          },
          associations: [
            {
              to: { id: contactId },
              types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_CONTACT }],
            },
          ],
        },
        key,
      )) as { id?: string };
      return note?.id ? { externalId: note.id } : {};
    },
  };

  async function upsertContact(record: CrmCallRecord, key: string): Promise<string> {
    const phone = record.contact.phone;
    const found = await searchOne('contacts', 'phone', phone, key);
    if (found) return found;
    const properties: Record<string, string> = { phone };
    if (record.contact.name) properties.firstname = record.contact.name;
    const created = (await call('POST', '/crm/v3/objects/contacts', { properties }, key)) as { id?: string };
    if (!created?.id) throw new Error('hubspot: contact create answered without an id');
    return created.id;
  }
}
