import type { PrismaClient } from '../db/client.ts';
import type { ToolResult } from '../domain/call.ts';
import { normalizePhone } from '../domain/phone.ts';

/**
 * The caller asked not to be called again: their number goes on the do-not-call list (which the
 * dial activity checks before every dial) and, on a campaign call, the contact is taken out of
 * the campaign so it is not retried. Idempotent: a repeated opt-out changes nothing more.
 */
export function createOptOutActivities(deps: { prisma: PrismaClient }) {
  return {
    async recordOptOut(input: { callId: string; reason?: string }): Promise<ToolResult<{ optedOut: true }>> {
      const call = await deps.prisma.call.findUniqueOrThrow({ where: { id: input.callId } });
      const other = normalizePhone(call.direction === 'outbound' ? call.to : call.from);
      if (!other.ok) return { ok: false, error: 'the caller number is unknown, so it cannot be opted out' };
      await deps.prisma.$transaction([
        deps.prisma.doNotCallEntry.upsert({
          where: { phone: other.e164 },
          create: {
            phone: other.e164,
            source: 'caller_request',
            reason: input.reason ?? `asked during call ${call.callSid}`,
          },
          update: {},
        }),
        deps.prisma.campaignContact.updateMany({
          // This call's contact, and any other campaign still due to dial the number.
          where: {
            phone: other.e164,
            OR: [
              { status: { in: ['pending', 'dialing', 'retry_scheduled'] } },
              ...(call.campaignContactId ? [{ id: call.campaignContactId }] : []),
            ],
          },
          data: { status: 'skipped', disposition: 'do_not_call', nextAttemptAt: null },
        }),
      ]);
      return { ok: true, value: { optedOut: true } };
    },
  };
}
