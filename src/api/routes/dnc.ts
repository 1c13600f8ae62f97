import { z } from 'zod';
import type { PrismaClient } from '../../db/client.ts';
import { MANAGERS } from '../auth/roles.ts';
import { ApiError } from '../http/errors.ts';
import type { Router } from '../http/route.ts';
import { afterCursor, cursor, e164, mustExist, page, pageSize } from './schemas.ts';

const MAX_IMPORT_ROWS = 10_000;
const reason = z.string().trim().min(1).max(500);
const entry = z.strictObject({ phone: e164, reason: reason.optional() });
type Entry = z.infer<typeof entry>;

/** JSON array (of numbers or {phone, reason}) or a CSV text body with a `phone[,reason]` header. */
const importBody = z.union([
  z
    .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
    .min(1)
    .max(MAX_IMPORT_ROWS),
  z.string().min(1),
]);

export interface ImportRow {
  row: number;
  phone?: string;
  status: 'added' | 'exists' | 'invalid';
  error?: string;
}

export function dncRoutes(r: Router, prisma: PrismaClient): void {
  r.add({
    method: 'GET',
    url: '/api/v1/dnc',
    access: MANAGERS,
    tag: 'do-not-call',
    summary: 'List do-not-call entries, newest first',
    query: z.strictObject({ phone: e164.optional(), limit: pageSize, cursor: cursor.optional() }),
    handler: async ({ query }) => {
      const rows = await prisma.doNotCallEntry.findMany({
        where: { phone: query.phone, ...afterCursor('createdAt', query.cursor) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      });
      return page(rows, query.limit, (e) => ({ at: e.createdAt, id: e.id }));
    },
  });
  r.add({
    method: 'POST',
    url: '/api/v1/dnc',
    access: MANAGERS,
    tag: 'do-not-call',
    summary: 'Add a number to the do-not-call list (adding it twice keeps the first entry)',
    body: entry,
    status: 201,
    idempotent: true,
    audit: { action: 'dnc.add', target: (e: { id: string }) => `dnc:${e.id}` },
    handler: ({ body }) =>
      prisma.doNotCallEntry.upsert({
        where: { phone: body.phone },
        create: { phone: body.phone, reason: body.reason, source: 'api' },
        update: {},
      }),
  });
  r.add({
    method: 'DELETE',
    url: '/api/v1/dnc/:phone',
    access: MANAGERS,
    tag: 'do-not-call',
    summary: 'Remove a number from the do-not-call list',
    params: z.strictObject({ phone: e164 }),
    audit: { action: 'dnc.remove', target: (e: { id: string }) => `dnc:${e.id}` },
    handler: async ({ params }) => {
      const existing = mustExist(
        await prisma.doNotCallEntry.findUnique({ where: { phone: params.phone } }),
        'do-not-call entry',
      );
      await prisma.doNotCallEntry.delete({ where: { id: existing.id } });
      return existing;
    },
  });
  r.add({
    method: 'POST',
    url: '/api/v1/dnc/import',
    access: MANAGERS,
    tag: 'do-not-call',
    summary: 'Import numbers (JSON array or text/csv); answers with a per-row report',
    body: importBody,
    consumes: ['text/csv'],
    idempotent: true,
    audit: { action: 'dnc.import', target: () => undefined },
    handler: async ({ body }) => importEntries(prisma, typeof body === 'string' ? parseCsv(body) : body),
  });
}

async function importEntries(prisma: PrismaClient, rows: unknown[]) {
  const report: ImportRow[] = [];
  const valid: Entry[] = [];
  rows.forEach((raw, i) => {
    const parsed = entry.safeParse(typeof raw === 'string' ? { phone: raw.trim() } : raw);
    if (parsed.success) valid.push(parsed.data);
    else report.push({ row: i + 1, status: 'invalid', error: parsed.error.issues[0]?.message ?? 'invalid' });
  });
  const existing = new Set(
    (
      await prisma.doNotCallEntry.findMany({
        where: { phone: { in: valid.map((v) => v.phone) } },
        select: { phone: true },
      })
    ).map((e) => e.phone),
  );
  await prisma.doNotCallEntry.createMany({
    data: valid.map((v) => ({ phone: v.phone, reason: v.reason, source: 'import' })),
    skipDuplicates: true,
  });
  const seen = new Set<string>();
  rows.forEach((raw, i) => {
    const parsed = entry.safeParse(typeof raw === 'string' ? { phone: raw.trim() } : raw);
    if (!parsed.success) return;
    const phone = parsed.data.phone;
    report.push({ row: i + 1, phone, status: existing.has(phone) || seen.has(phone) ? 'exists' : 'added' });
    seen.add(phone);
  });
  report.sort((a, b) => a.row - b.row);
  const count = (status: ImportRow['status']) => report.filter((r) => r.status === status).length;
  return { added: count('added'), exists: count('exists'), invalid: count('invalid'), rows: report };
}

/** Minimal CSV: a header naming `phone` (and optionally `reason`), comma-separated, no quoting needed for E.164. */
function parseCsv(text: string): unknown[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim().toLowerCase());
  const phoneAt = header.indexOf('phone');
  const reasonAt = header.indexOf('reason');
  if (phoneAt < 0)
    throw new ApiError(400, 'invalid_request', 'body: the CSV header row must name a "phone" column', 'body');
  return lines.slice(0, MAX_IMPORT_ROWS).map((line) => {
    const cells = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    const out: Record<string, string> = { phone: cells[phoneAt] ?? '' };
    if (reasonAt >= 0 && cells[reasonAt]) out.reason = cells[reasonAt] as string;
    return out;
  });
}
