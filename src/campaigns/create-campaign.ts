import { agentExists, doNotCallAmong, insertCampaign } from '../db/campaigns.ts';
import type { PrismaClient } from '../db/client.ts';
import { type ContactRowInput, validateContacts } from '../domain/campaign-contacts.ts';
import { type CampaignIssue, campaignSettingsSchema, issuesFromZod } from '../domain/campaign-rules.ts';
import { CsvSyntaxError } from '../domain/csv.ts';
import { CampaignValidationError } from '../domain/errors.ts';

/** Issues listed in a rejection; the total is always reported. Enough to fix a file, not a flood. */
export const MAX_REPORTED_ISSUES = 1_000;

export interface CreateCampaignRequest {
  name: unknown;
  agentId: unknown;
  promptVariables?: unknown;
  concurrencyLimit: unknown;
  pacingPerMinute: unknown;
  callingHours?: unknown;
  retryRules?: unknown;
  callerId: unknown;
  /** An array, or rows streamed from `readContactsCsv`. */
  contacts: Iterable<ContactRowInput> | AsyncIterable<ContactRowInput>;
}

/**
 * Validates a whole campaign (settings, every contact row, duplicates, the do-not-call list, the
 * agent) and only then writes it. Any problem rejects it with a `CampaignValidationError` that
 * names each offending row and field; nothing is written.
 */
export async function createCampaign(
  prisma: PrismaClient,
  request: CreateCampaignRequest,
): Promise<{ campaignId: string; contactCount: number }> {
  const { contacts: rows, ...rawSettings } = request;
  const issues: CampaignIssue[] = [];
  const parsed = campaignSettingsSchema.safeParse(rawSettings);
  if (!parsed.success) issues.push(...issuesFromZod(parsed.error));
  const { contacts, issues: rowIssues } = validateContacts(await collect(rows));
  issues.push(...rowIssues);
  if (contacts.length === 0 && rowIssues.length === 0)
    issues.push({ field: 'contacts', message: 'a campaign needs at least one contact' });
  if (parsed.success && !(await agentExists(prisma, parsed.data.agentId)))
    issues.push({ field: 'agentId', message: `unknown agent ${parsed.data.agentId}` });
  const blocked = await doNotCallAmong(
    prisma,
    contacts.map((c) => c.phone),
  );
  for (const c of contacts) {
    if (blocked.has(c.phone)) issues.push({ row: c.row, field: 'phone', message: 'on the do-not-call list' });
  }
  if (issues.length > 0 || !parsed.success) {
    issues.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
    throw new CampaignValidationError(issues.slice(0, MAX_REPORTED_ISSUES), issues.length);
  }
  return insertCampaign(prisma, parsed.data, contacts);
}

async function collect<T>(rows: Iterable<T> | AsyncIterable<T>): Promise<T[]> {
  if (!(Symbol.asyncIterator in rows)) return Array.from(rows);
  const out: T[] = [];
  try {
    for await (const r of rows) out.push(r);
  } catch (err) {
    // A malformed upload is one more reason to refuse, reported like the others.
    if (err instanceof CsvSyntaxError)
      throw new CampaignValidationError([{ row: err.record, field: 'csv', message: err.message }]);
    throw err;
  }
  return out;
}
