import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  type CampaignControlDeps,
  campaignProgress,
  cancelCampaign,
  changeCampaignSettings,
  pauseCampaign,
  resumeCampaign,
  startCampaign,
} from '../../campaigns/campaign-control.ts';
import { campaignCounts } from '../../db/campaign-dialing.ts';
import type { PrismaClient } from '../../db/client.ts';
import { settingsChangeSchema } from '../../domain/campaign-rules.ts';
import { campaignWorkflowId } from '../../workflows/campaign/contract.ts';
import { MANAGERS, READERS } from '../auth/roles.ts';
import { ApiError, conflict } from '../http/errors.ts';
import type { Router } from '../http/route.ts';
import { idParams, mustExist } from './schemas.ts';

export interface CampaignControlRoutesDeps {
  prisma: PrismaClient;
  temporal?: Client;
  taskQueue: string;
  /** Campaign starts per minute per API key: each one sets a whole list dialing. */
  startsPerMinute: number;
}

type Command = 'pause' | 'resume' | 'cancel';
const COMMANDS: Record<Command, (deps: CampaignControlDeps, id: string) => Promise<void>> = {
  pause: pauseCampaign,
  resume: resumeCampaign,
  cancel: cancelCampaign,
};
const SUMMARIES: Record<Command, string> = {
  pause: 'Pause a running campaign: calls in flight finish, nothing new is dialed until resumed',
  resume: 'Resume a paused campaign',
  cancel:
    'Cancel a campaign: calls in flight finish, waiting contacts end as cancelled (a draft is cancelled at once)',
};

export function campaignControlRoutes(r: Router, deps: CampaignControlRoutesDeps): void {
  const { prisma } = deps;
  /** Checks the campaign exists (404) before Temporal is needed (503 without it). */
  const control = async (campaignId: string): Promise<CampaignControlDeps> => {
    const found = await prisma.campaign.findUnique({ where: { id: campaignId }, select: { id: true } });
    mustExist(found, 'campaign');
    if (!deps.temporal) throw new ApiError(503, 'unavailable', 'Temporal is not configured on this node');
    return { prisma, client: deps.temporal, taskQueue: deps.taskQueue };
  };
  const target = (c: { campaignId: string }) => `campaign:${c.campaignId}`;

  r.add({
    method: 'POST',
    url: '/api/v1/campaigns/:id/start',
    access: MANAGERS,
    tag: 'campaigns',
    summary: 'Start dialing (workflow campaign:<id>); starting a running campaign answers with it again',
    params: idParams,
    status: 202,
    idempotent: true,
    rateLimit: { perMinute: deps.startsPerMinute },
    audit: { action: 'campaign.start', target },
    handler: async ({ params }) => {
      const { workflowId } = await startCampaign(await control(params.id), params.id);
      return { campaignId: params.id, workflowId, state: 'started' };
    },
  });
  for (const command of ['pause', 'resume', 'cancel'] as const) {
    r.add({
      method: 'POST',
      url: `/api/v1/campaigns/:id/${command}`,
      access: MANAGERS,
      tag: 'campaigns',
      summary: SUMMARIES[command],
      params: idParams,
      status: 202,
      idempotent: true,
      audit: { action: `campaign.${command}`, target },
      handler: async ({ params }) => {
        const controlDeps = await control(params.id);
        try {
          await COMMANDS[command](controlDeps, params.id);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          if (command === 'cancel' && (await cancelDraft(prisma, params.id)))
            return { campaignId: params.id, workflowId: null, state: 'cancelled' };
          throw conflict(`campaign ${params.id} is not running (never started, or finished)`);
        }
        return {
          campaignId: params.id,
          workflowId: campaignWorkflowId(params.id),
          state: `${command}_requested`,
        };
      },
    });
  }
  r.add({
    method: 'POST',
    url: '/api/v1/campaigns/:id/settings',
    access: MANAGERS,
    tag: 'campaigns',
    summary:
      'Change concurrency, pacing or calling hours of a running campaign (a workflow Update); answers with the settings now in force',
    params: idParams,
    body: settingsChangeSchema,
    idempotent: true,
    audit: { action: 'campaign.settings', target },
    handler: async ({ params, body }) => {
      const controlDeps = await control(params.id);
      try {
        const settings = await changeCampaignSettings(controlDeps, params.id, body);
        return { campaignId: params.id, settings };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError)
          throw conflict(`campaign ${params.id} is not running; settings change only while it runs`);
        if (err instanceof WorkflowUpdateFailedError)
          throw conflict(`the campaign refused the change: ${err.cause?.message ?? err.message}`);
        throw err;
      }
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/campaigns/:id/progress',
    access: READERS,
    tag: 'campaigns',
    summary:
      'Live progress from the campaign workflow (counts by status and disposition, dials in flight, finished dials whose outcome is not written yet, next dial); a campaign never started answers from the database',
    params: idParams,
    handler: async ({ params }) => {
      const campaign = mustExist(await prisma.campaign.findUnique({ where: { id: params.id } }), 'campaign');
      if (campaign.status === 'draft' || !deps.temporal) {
        if (!deps.temporal && campaign.status !== 'draft')
          throw new ApiError(503, 'unavailable', 'Temporal is not configured on this node');
        return { campaignId: params.id, source: 'database', ...(await fromDatabase(prisma, campaign)) };
      }
      try {
        const progress = await campaignProgress(await control(params.id), params.id);
        return { campaignId: params.id, source: 'workflow', ...progress };
      } catch (err) {
        // Its workflow history is gone (retention): the stored counts are all there is.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        return { campaignId: params.id, source: 'database', ...(await fromDatabase(prisma, campaign)) };
      }
    },
  });
}

async function fromDatabase(
  prisma: PrismaClient,
  campaign: { id: string; status: string; concurrencyLimit: number; pacingPerMinute: number },
) {
  return {
    status: campaign.status,
    ...(await campaignCounts(prisma, campaign.id)),
    inFlight: 0,
    unwritten: 0,
    concurrencyLimit: campaign.concurrencyLimit,
    pacingPerMinute: campaign.pacingPerMinute,
  };
}

/** A draft has no workflow to signal: it is cancelled in the database, so it can never start. */
async function cancelDraft(prisma: PrismaClient, campaignId: string): Promise<boolean> {
  const { count } = await prisma.campaign.updateMany({
    where: { id: campaignId, status: 'draft' },
    data: { status: 'cancelled', finishedAt: new Date() },
  });
  if (count === 1)
    await prisma.campaignContact.updateMany({
      where: { campaignId, status: 'pending' },
      data: { status: 'cancelled' },
    });
  return count === 1;
}
