import { randomBytes } from 'node:crypto';

/**
 * Ids for rows inserted with raw SQL (the database has no default): UUIDv7, as Prisma's `uuid(7)`
 * default makes, in the order asked for. A row counter sits above the random bits, so a
 * campaign's first pass, which reads contacts by id, dials them in file order.
 */
export function orderedIds(count: number, nowMs = Date.now()): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const b = randomBytes(16);
    b.writeUIntBE(nowMs, 0, 6);
    b[6] = 0x70 | ((i >>> 28) & 0x0f); // version 7, then the counter's top bits
    b[7] = (i >>> 20) & 0xff;
    b[8] = 0x80 | ((i >>> 14) & 0x3f); // RFC 4122 variant
    b[9] = (i >>> 6) & 0xff;
    b[10] = ((i & 0x3f) << 2) | ((b[10] as number) & 0x03);
    const h = b.toString('hex');
    ids.push(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
  }
  return ids;
}
