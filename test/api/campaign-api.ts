import { expect } from 'vitest';
import type { CampaignProgress } from '../../src/workflows/campaign/contract.ts';
import { type CampaignPlatform, startCampaignPlatform } from '../support/campaign-platform.ts';
import { ALWAYS } from '../support/campaigns.ts';
import { type ApiHarness, startApi } from './support.ts';

/** The API over a campaign platform (real campaign workflow, dial test double) sharing its database. */
export interface CampaignApi {
  platform: CampaignPlatform;
  api: ApiHarness;
  /** Valid campaign settings, with overrides. */
  settings(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Creates a campaign through the API as a campaign manager; fails the test unless 201. */
  create(
    list: unknown[],
    extra?: Record<string, unknown>,
  ): Promise<{ campaignId: string; contactCount: number; workflowId: string }>;
  /** GET progress as a viewer. */
  progress(id: string): Promise<CampaignProgress & { source: 'workflow' | 'database' }>;
  close(): Promise<void>;
}

export async function startCampaignApi(name: string): Promise<CampaignApi> {
  const platform = await startCampaignPlatform({ name });
  const api = await startApi({
    temporal: platform.client,
    settings: {
      taskQueue: platform.taskQueue,
      strictLimits: { campaignStartsPerMinute: 4, outboundPerMinute: 4 },
      csvUploadLimitBytes: 2 * 1_048_576,
    },
    database: { prisma: platform.prisma, db: { url: platform.databaseUrl, drop: async () => {} } },
  });
  const settings = (extra: Record<string, unknown> = {}) => ({
    name: 'Spring checkups',
    agentId: platform.agentId,
    concurrencyLimit: 5,
    pacingPerMinute: 60_000,
    callingHours: ALWAYS,
    callerId: '+14155550100',
    ...extra,
  });
  return {
    platform,
    api,
    settings,
    async create(list, extra = {}) {
      const res = await api.as('campaign_manager', {
        method: 'POST',
        url: '/api/v1/campaigns',
        payload: { ...settings(extra), contacts: list },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    },
    async progress(id) {
      return (await api.as('viewer', { method: 'GET', url: `/api/v1/campaigns/${id}/progress` })).json();
    },
    async close() {
      await api.app.close();
      await platform.close();
    },
  };
}
