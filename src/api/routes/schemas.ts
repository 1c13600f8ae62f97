import { z } from 'zod';
import { ApiError } from '../http/errors.ts';

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

export const uuid = z.uuid();
export const idParams = z.strictObject({ id: uuid });
export const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +14155550123');
export const isoDate = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
/** Page size: above the cap is refused (400), not silently clamped, so a client learns the limit. */
export const pageSize = z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE);

/**
 * Keyset cursors: the sort key of the last row returned, opaque to clients (base64url JSON). A
 * page after a cursor is the rows strictly after that key, so rows inserted meanwhile never
 * shift or duplicate later pages.
 */
export interface Cursor {
  at: Date;
  id: string;
}

const cursorShape = z.strictObject({ at: z.iso.datetime(), id: uuid });

export const cursor = z
  .string()
  .max(200)
  .transform((raw, ctx): Cursor => {
    try {
      const data = cursorShape.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
      return { at: new Date(data.at), id: data.id };
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a cursor returned by this API' });
      return z.NEVER;
    }
  });

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify({ at: at.toISOString(), id })).toString('base64url');
}

/** Rows were fetched with `take: limit + 1`: the extra row only tells whether a next page exists. */
export function page<T>(rows: T[], limit: number, key: (row: T) => { at: Date; id: string }) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const next = rows.length > limit && last ? key(last) : undefined;
  return { items, nextCursor: next ? encodeCursor(next.at, next.id) : null };
}

/** Keyset condition for `ORDER BY <at> DESC, id DESC`. */
export function afterCursor<K extends string>(field: K, c: Cursor | undefined) {
  if (!c) return {};
  return { OR: [{ [field]: { lt: c.at } }, { [field]: c.at, id: { lt: c.id } }] };
}

export function mustExist<T>(row: T | null | undefined, what: string): T {
  if (row === null || row === undefined) throw new ApiError(404, 'not_found', `${what} not found`);
  return row;
}
