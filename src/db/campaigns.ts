import type { ValidContact } from '../domain/campaign-contacts.ts';
import type { CampaignSettings } from '../domain/campaign-rules.ts';
import type { Prisma, PrismaClient } from './client.ts';
import { orderedIds } from './ids.ts';

/**
 * Campaign creation writes. Validation happens before (src/campaigns/create-campaign.ts); this
 * only writes, in one transaction, so a failure half way leaves no campaign behind.
 */

/** Rows per INSERT: 4 parameters each stays far below Postgres' 65,535-parameter limit. */
export const CONTACT_INSERT_BATCH = 5_000;
/** Numbers per DNC lookup query. */
const LOOKUP_BATCH = 10_000;

export async function agentExists(prisma: PrismaClient, agentId: string): Promise<boolean> {
  return (await prisma.agent.count({ where: { id: agentId } })) > 0;
}

/** The subset of `phones` (E.164) on the do-not-call list. */
export async function doNotCallAmong(prisma: PrismaClient, phones: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < phones.length; i += LOOKUP_BATCH) {
    const rows = await prisma.doNotCallEntry.findMany({
      where: { phone: { in: phones.slice(i, i + LOOKUP_BATCH) } },
      select: { phone: true },
    });
    for (const r of rows) found.add(r.phone);
  }
  return found;
}

export async function insertCampaign(
  prisma: PrismaClient,
  settings: CampaignSettings,
  contacts: ValidContact[],
): Promise<{ campaignId: string; contactCount: number }> {
  return prisma.$transaction(
    async (tx) => {
      const campaign = await tx.campaign.create({
        data: {
          name: settings.name,
          agentId: settings.agentId,
          promptVariables: settings.promptVariables,
          concurrencyLimit: settings.concurrencyLimit,
          pacingPerMinute: settings.pacingPerMinute,
          callingHours: settings.callingHours as Prisma.InputJsonValue,
          retryRules: settings.retryRules as Prisma.InputJsonValue,
          callerId: settings.callerId,
        },
      });
      const ids = orderedIds(contacts.length);
      for (let i = 0; i < contacts.length; i += CONTACT_INSERT_BATCH) {
        const batch = contacts.slice(i, i + CONTACT_INSERT_BATCH);
        // One statement per batch with array parameters: createMany's per-row parameters made
        // 100,000 contacts take ten times longer.
        await tx.$executeRaw`
          INSERT INTO campaign_contacts (id, campaign_id, phone, time_zone, variables, updated_at)
          SELECT c.id, ${campaign.id}::uuid, c.phone, c.time_zone, c.variables, now()
          FROM unnest(${ids.slice(i, i + CONTACT_INSERT_BATCH)}::uuid[], ${batch.map((c) => c.phone)}::text[],
                      ${batch.map((c) => c.timeZone)}::text[], ${batch.map((c) => JSON.stringify(c.variables))}::jsonb[])
            AS c(id, phone, time_zone, variables)`;
      }
      return { campaignId: campaign.id, contactCount: contacts.length };
    },
    // 100,000 contacts take a few seconds on a busy machine; the default is 5 s.
    { timeout: 300_000, maxWait: 30_000 },
  );
}
