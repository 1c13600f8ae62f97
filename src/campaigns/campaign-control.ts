import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { campaignCounts } from '../db/campaign-dialing.ts';
import type { PrismaClient } from '../db/client.ts';
import { issuesFromZod, settingsChangeSchema } from '../domain/campaign-rules.ts';
import { CampaignNotFoundError, CampaignStateError, CampaignValidationError } from '../domain/errors.ts';
import * as contract from '../workflows/campaign/contract.ts';
import { PRIORITY } from '../workflows/priorities.ts';
import { SA } from '../workflows/search-attributes.ts';

/** What the admin API needs to drive campaigns: the database, a Temporal client, the task queue. */
export interface CampaignControlDeps {
  prisma: PrismaClient;
  client: Client;
  taskQueue: string;
}

/**
 * Starts `campaign:<id>`. Idempotent: starting a running campaign returns the running workflow;
 * a finished one is refused. `tuning` (page size, dials per run) is for tests and benchmarks.
 */
export async function startCampaign(
  deps: CampaignControlDeps,
  campaignId: string,
  tuning: Pick<contract.CampaignInput, 'pageSize' | 'dialsPerRun' | 'handOffDials'> = {},
): Promise<{ workflowId: string }> {
  const campaign = await deps.prisma.campaign.findUnique({ where: { id: campaignId } });
  if (!campaign) throw new CampaignNotFoundError(`no campaign ${campaignId}`);
  if (campaign.status === 'completed' || campaign.status === 'cancelled')
    throw new CampaignStateError(`campaign ${campaignId} is ${campaign.status}`);
  const workflowId = contract.campaignWorkflowId(campaignId);
  try {
    await deps.client.workflow.start(contract.campaignWorkflowType, {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [{ campaignId, ...tuning } satisfies contract.CampaignInput],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [{ key: SA.campaignId, value: campaignId }],
      priority: PRIORITY.campaign,
    });
  } catch (err) {
    // Closed already (finished between our read and the start): a campaign runs once.
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new CampaignStateError(`campaign ${campaignId} has already run`);
    throw err;
  }
  return { workflowId };
}

function handle(deps: CampaignControlDeps, campaignId: string) {
  return deps.client.workflow.getHandle(contract.campaignWorkflowId(campaignId));
}

export async function pauseCampaign(deps: CampaignControlDeps, campaignId: string): Promise<void> {
  await handle(deps, campaignId).signal(contract.pauseCampaignSignal);
}

export async function resumeCampaign(deps: CampaignControlDeps, campaignId: string): Promise<void> {
  await handle(deps, campaignId).signal(contract.resumeCampaignSignal);
}

/** In-flight calls finish; nothing new is dialed; waiting contacts end as cancelled. */
export async function cancelCampaign(deps: CampaignControlDeps, campaignId: string): Promise<void> {
  await handle(deps, campaignId).signal(contract.cancelCampaignSignal);
}

/** Validated here first (so the API can report fields) and again by the workflow's validator. */
export async function changeCampaignSettings(
  deps: CampaignControlDeps,
  campaignId: string,
  change: unknown,
): Promise<contract.CampaignSettingsChange> {
  const parsed = settingsChangeSchema.safeParse(change);
  if (!parsed.success) throw new CampaignValidationError(issuesFromZod(parsed.error));
  return handle(deps, campaignId).executeUpdate(contract.changeCampaignSettingsUpdate, {
    args: [parsed.data],
  });
}

/** Live progress from the workflow; a campaign not started yet is described from the database. */
export async function campaignProgress(
  deps: CampaignControlDeps,
  campaignId: string,
): Promise<contract.CampaignProgress> {
  const campaign = await deps.prisma.campaign.findUnique({ where: { id: campaignId } });
  if (!campaign) throw new CampaignNotFoundError(`no campaign ${campaignId}`);
  if (campaign.status !== 'draft') return handle(deps, campaignId).query(contract.campaignProgressQuery);
  return {
    status: 'draft',
    ...(await campaignCounts(deps.prisma, campaignId)),
    inFlight: 0,
    unwritten: 0,
    concurrencyLimit: campaign.concurrencyLimit,
    pacingPerMinute: campaign.pacingPerMinute,
  };
}
