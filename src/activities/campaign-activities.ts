import { ApplicationFailure } from '@temporalio/common';
import {
  applyContactUpdates,
  type CampaignCounts,
  type ContactUpdates,
  campaignCounts,
  cancelWaitingContacts,
  contactPage,
  type DialableContact,
  dialAttemptOutcome,
  dueContacts,
  reopenDeferred,
  setCampaignStatus,
} from '../db/campaign-dialing.ts';
import type { PrismaClient } from '../db/client.ts';
import type { CampaignStatus } from '../db/enums.ts';
import {
  type CampaignRunSettings,
  campaignSettingsSchema,
  type SettingsChange,
} from '../domain/campaign-rules.ts';

export interface CampaignActivityDeps {
  prisma: PrismaClient;
  now?: () => Date;
}

/** The campaign workflow's I/O: contact pages, batched status writes, campaign status. */
export function createCampaignActivities(deps: CampaignActivityDeps) {
  const { prisma } = deps;
  const now = deps.now ?? (() => new Date());
  return {
    /** Marks the campaign running and returns its settings; refuses campaigns that are over. */
    async beginCampaign(input: { campaignId: string; workflowId: string }): Promise<{
      settings: CampaignRunSettings;
      counts: CampaignCounts;
    }> {
      const c = await prisma.campaign.findUnique({ where: { id: input.campaignId } });
      if (!c) throw ApplicationFailure.nonRetryable(`no campaign ${input.campaignId}`, 'CampaignNotFound');
      if (c.status === 'completed' || c.status === 'cancelled')
        throw ApplicationFailure.nonRetryable(`campaign ${c.id} is ${c.status}`, 'CampaignFinished');
      const parsed = campaignSettingsSchema.safeParse(c);
      // Rows written around createCampaign (raw SQL, an old version) can hold settings that
      // cannot work; retrying would not fix them.
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(
          `campaign ${c.id} has unusable settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          'CampaignInvalid',
        );
      const s = parsed.data;
      await prisma.campaign.update({
        where: { id: c.id },
        data: {
          status: c.status === 'draft' ? 'running' : c.status,
          workflowId: input.workflowId,
          startedAt: c.startedAt ?? now(),
        },
      });
      const { name: _name, ...settings }: { name: string } & CampaignRunSettings = s;
      return { settings, counts: await campaignCounts(prisma, c.id) };
    },
    async loadContactPage(input: {
      campaignId: string;
      afterId?: string;
      limit: number;
    }): Promise<{ contacts: DialableContact[]; lastId?: string; exhausted: boolean }> {
      const page = await contactPage(prisma, input.campaignId, input.afterId, input.limit);
      return { contacts: page.rows.map(dialable), lastId: page.lastId, exhausted: page.exhausted };
    },
    async loadDueContacts(input: {
      campaignId: string;
      nowMs: number;
      limit: number;
    }): Promise<{ contacts: DialableContact[]; more: boolean; nextDueAtMs?: number }> {
      const due = await dueContacts(prisma, input.campaignId, new Date(input.nowMs), input.limit);
      return { contacts: due.rows.map(dialable), more: due.more, nextDueAtMs: due.nextDueAt?.getTime() };
    },
    /** Writes a batch of marks, outcomes and deferrals; returns fresh counts when asked. */
    async applyContactUpdates(
      input: ContactUpdates & { campaignId: string; withCounts: boolean },
    ): Promise<CampaignCounts | undefined> {
      await applyContactUpdates(prisma, input);
      return input.withCounts ? campaignCounts(prisma, input.campaignId) : undefined;
    },
    /**
     * A handed-off dial whose child closed without reporting (failed or terminated): what its
     * attempt record says, or `failed` when it has none, so the campaign frees the slot.
     */
    async handedOffDialOutcome(input: { contactId: string; attempt: number }) {
      const o = await dialAttemptOutcome(prisma, input.contactId, input.attempt);
      return {
        disposition: o.disposition ?? ('failed' as const),
        ...(o.callSid ? { callSid: o.callSid } : {}),
        detail: 'the dial closed without reporting its result',
      };
    },
    async setCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void> {
      await setCampaignStatus(prisma, input.campaignId, input.status, now());
    },
    async saveCampaignSettings(input: {
      campaignId: string;
      change: SettingsChange;
      nowMs: number;
    }): Promise<void> {
      await prisma.campaign.update({ where: { id: input.campaignId }, data: input.change });
      if (input.change.callingHours) await reopenDeferred(prisma, input.campaignId, new Date(input.nowMs));
    },
    /** Ends a cancelled campaign's waiting contacts; returns final counts. */
    async finishCampaign(input: { campaignId: string; cancelled: boolean }): Promise<CampaignCounts> {
      if (input.cancelled) await cancelWaitingContacts(prisma, input.campaignId);
      await setCampaignStatus(prisma, input.campaignId, input.cancelled ? 'cancelled' : 'completed', now());
      return campaignCounts(prisma, input.campaignId);
    },
  };
}

function dialable(r: {
  id: string;
  phone: string;
  timeZone: string;
  variables: unknown;
  attempts: number;
}): DialableContact {
  return { ...r, variables: (r.variables ?? {}) as Record<string, string> };
}
