import type { ContactRowInput } from './campaign-contacts.ts';
import { type CsvRecord, parseCsvStream } from './csv.ts';
import { CampaignValidationError } from './errors.ts';

/**
 * Contact uploads as CSV: a header row naming `phone` and `time_zone` (also `timezone` or
 * `timeZone`); every other column becomes a prompt variable of that contact. Rows are numbered
 * as a spreadsheet shows them (header = row 1), so a report points at the right line.
 */

const PHONE = new Set(['phone', 'phone_number', 'number']);
const TIME_ZONE = new Set(['time_zone', 'timezone', 'timeZone', 'tz']);

export async function* readContactsCsv(
  chunks: AsyncIterable<string | Uint8Array>,
): AsyncGenerator<ContactRowInput & { row: number }> {
  let columns: { phone: number; timeZone: number; variables: [number, string][] } | undefined;
  for await (const rec of parseCsvStream(chunks)) {
    if (!columns) {
      columns = headerColumns(rec);
      continue;
    }
    if (rec.fields.every((f) => f.trim() === '')) continue; // blank line
    const variables: Record<string, string> = {};
    for (const [i, name] of columns.variables) {
      const value = rec.fields[i];
      if (value !== undefined && value !== '') variables[name] = value;
    }
    yield {
      row: rec.record,
      phone: rec.fields[columns.phone] ?? '',
      timeZone: rec.fields[columns.timeZone] ?? '',
      variables,
    };
  }
  if (!columns)
    throw new CampaignValidationError([{ row: 1, field: 'header', message: 'the file is empty' }]);
}

function headerColumns(rec: CsvRecord) {
  const names = rec.fields.map((f) => f.trim());
  const phone = names.findIndex((n) => PHONE.has(n.toLowerCase()));
  const timeZone = names.findIndex((n) => TIME_ZONE.has(n) || TIME_ZONE.has(n.toLowerCase()));
  const missing = [phone < 0 ? 'phone' : undefined, timeZone < 0 ? 'time_zone' : undefined].filter(Boolean);
  if (missing.length > 0)
    throw new CampaignValidationError(
      missing.map((m) => ({ row: 1, field: 'header', message: `missing column "${m}"` })),
    );
  const variables = names
    .map((n, i) => [i, n] as [number, string])
    .filter(([i, n]) => i !== phone && i !== timeZone && n !== '');
  return { phone, timeZone, variables };
}
