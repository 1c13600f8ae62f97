import type { ValidContact } from '../domain/campaign-contacts.ts';
import type { CampaignSettings } from '../domain/campaign-rules.ts';
import type { Prisma, PrismaClient } from './client.ts';

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
      for (let i = 0; i < contacts.length; i += CONTACT_INSERT_BATCH) {
        await tx.campaignContact.createMany({
          data: contacts.slice(i, i + CONTACT_INSERT_BATCH).map((c) => ({
            campaignId: campaign.id,
            phone: c.phone,
            timeZone: c.timeZone,
            variables: c.variables,
          })),
        });
      }
      return { campaignId: campaign.id, contactCount: contacts.length };
    },
    // 100,000 contacts take a few seconds on a busy machine; the default is 5 s.
    { timeout: 300_000, maxWait: 30_000 },
  );
}
