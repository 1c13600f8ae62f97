import type { CampaignIssue } from './campaign-rules.ts';
import { normalizePhone } from './phone.ts';
import { isValidTimeZone } from './time-zone.ts';

/** One contact as uploaded (JSON body or a CSV record), before validation. */
export interface ContactRowInput {
  /** Row number to report problems against; defaults to the 1-based position in the list. */
  row?: number;
  phone: unknown;
  timeZone: unknown;
  variables?: unknown;
}

export interface ValidContact {
  row: number;
  phone: string;
  timeZone: string;
  variables: Record<string, string>;
}

const MAX_VARIABLES = 50;
const MAX_VARIABLE_LENGTH = 1000;

/** Validates one row: an E.164-normalisable number, a known IANA zone, string variables. */
export function validateContactRow(
  input: ContactRowInput,
  row: number,
): { ok: true; contact: ValidContact } | { ok: false; issues: CampaignIssue[] } {
  const issues: CampaignIssue[] = [];
  let phone = '';
  if (typeof input.phone !== 'string') issues.push({ row, field: 'phone', message: 'phone is required' });
  else {
    const parsed = normalizePhone(input.phone);
    if (parsed.ok) phone = parsed.e164;
    else issues.push({ row, field: 'phone', message: parsed.reason });
  }
  const timeZone = typeof input.timeZone === 'string' ? input.timeZone.trim() : '';
  if (timeZone === '') issues.push({ row, field: 'timeZone', message: 'time zone is required' });
  else if (!timeZone.includes('/') && timeZone !== 'UTC')
    // Intl also accepts abbreviations such as "EST", which ignore daylight saving time.
    issues.push({ row, field: 'timeZone', message: `not an IANA zone name: ${JSON.stringify(timeZone)}` });
  else if (!isValidTimeZone(timeZone))
    issues.push({ row, field: 'timeZone', message: `unknown time zone ${JSON.stringify(timeZone)}` });
  const variables = validateVariables(input.variables, row, issues);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, contact: { row, phone, timeZone, variables } };
}

function validateVariables(value: unknown, row: number, issues: CampaignIssue[]): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ row, field: 'variables', message: 'variables must be an object of strings' });
    return {};
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_VARIABLES)
    issues.push({ row, field: 'variables', message: `at most ${MAX_VARIABLES} variables` });
  for (const [key, v] of entries) {
    if (typeof v !== 'string')
      issues.push({ row, field: `variables.${key}`, message: 'variable values must be strings' });
    else if (v.length > MAX_VARIABLE_LENGTH)
      issues.push({
        row,
        field: `variables.${key}`,
        message: `longer than ${MAX_VARIABLE_LENGTH} characters`,
      });
  }
  return Object.fromEntries(entries.filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/**
 * Validates every row and flags repeated numbers (after normalisation, so "+1 415…" and
 * "+1415…" are the same contact). Rows keep their numbers for the report.
 */
export function validateContacts(rows: Iterable<ContactRowInput>): {
  contacts: ValidContact[];
  issues: CampaignIssue[];
} {
  const contacts: ValidContact[] = [];
  const issues: CampaignIssue[] = [];
  const firstRowOf = new Map<string, number>();
  let index = 0;
  for (const input of rows) {
    index++;
    const row = input.row ?? index;
    const result = validateContactRow(input, row);
    if (!result.ok) {
      issues.push(...result.issues);
      continue;
    }
    const first = firstRowOf.get(result.contact.phone);
    if (first !== undefined) {
      issues.push({ row, field: 'phone', message: `duplicate of row ${first}` });
      continue;
    }
    firstRowOf.set(result.contact.phone, row);
    contacts.push(result.contact);
  }
  return { contacts, issues };
}
