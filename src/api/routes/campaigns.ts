import { z } from 'zod';
import { createCampaign } from '../../campaigns/create-campaign.ts';
import { campaignCounts } from '../../db/campaign-dialing.ts';
import type { PrismaClient } from '../../db/client.ts';
import { readContactsCsv } from '../../domain/campaign-csv.ts';
import { campaignWorkflowId } from '../../workflows/campaign/contract.ts';
import { MANAGERS, READERS } from '../auth/roles.ts';
import type { Router } from '../http/route.ts';
import { requestStream, streamedBody } from '../http/text-body.ts';
import { afterCursor, cursor, idParams, mustExist, page, pageSize } from './schemas.ts';

export interface CampaignRoutesDeps {
  prisma: PrismaClient;
  /** Largest CSV upload accepted (bytes); the file is streamed, never held whole. */
  csvUploadLimitBytes: number;
}

const CAMPAIGN_STATUSES = ['draft', 'running', 'paused', 'completed', 'cancelled'] as const;
const CONTACT_STATUSES = [
  'pending',
  'dialing',
  'retry_scheduled',
  'completed',
  'failed',
  'skipped',
  'cancelled',
] as const;
/** Inline contacts; larger lists go through the CSV upload. The body limit caps it anyway. */
const MAX_INLINE_CONTACTS = 10_000;

/**
 * The settings are checked by the campaign service, which reports every problem (settings and
 * rows) at once as a 422; this schema only fixes the shape, so unknown members are a 400.
 */
const settingsShape = {
  name: z.unknown(),
  agentId: z.unknown(),
  promptVariables: z.unknown().optional(),
  concurrencyLimit: z.unknown(),
  pacingPerMinute: z.unknown(),
  callingHours: z.unknown().optional(),
  retryRules: z.unknown().optional(),
  callerId: z.unknown(),
};
const createBody = z.strictObject({
  ...settingsShape,
  contacts: z
    .array(z.strictObject({ phone: z.unknown(), timeZone: z.unknown(), variables: z.unknown().optional() }))
    .max(MAX_INLINE_CONTACTS),
});

/** A JSON-valued query parameter (calling hours, retry rules, prompt variables of a CSV upload). */
const jsonParam = z
  .string()
  .max(10_000)
  .transform((raw, ctx): unknown => {
    try {
      return JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be URL-encoded JSON' });
      return z.NEVER;
    }
  });
const csvQuery = z.strictObject({
  name: z.string().max(200),
  agentId: z.string().max(100),
  concurrencyLimit: z.coerce.number(),
  pacingPerMinute: z.coerce.number(),
  callerId: z.string().max(30),
  callingHours: jsonParam.optional(),
  retryRules: jsonParam.optional(),
  promptVariables: jsonParam.optional(),
});

const created = (c: { campaignId: string; contactCount: number }) => ({
  ...c,
  workflowId: campaignWorkflowId(c.campaignId),
  status: 'draft' as const,
});

export function campaignRoutes(r: Router, deps: CampaignRoutesDeps): void {
  const { prisma } = deps;
  r.add({
    method: 'POST',
    url: '/api/v1/campaigns',
    access: MANAGERS,
    tag: 'campaigns',
    summary:
      'Create a draft campaign with inline contacts; any bad setting or row rejects it (422 with every issue) and writes nothing',
    body: createBody,
    status: 201,
    idempotent: true,
    audit: { action: 'campaign.create', target: (c: { campaignId: string }) => `campaign:${c.campaignId}` },
    handler: async ({ body }) => created(await createCampaign(prisma, body)),
  });
  r.add({
    method: 'POST',
    url: '/api/v1/campaigns/csv',
    access: MANAGERS,
    tag: 'campaigns',
    summary:
      'Create a draft campaign from a text/csv body of contacts (header: phone, time_zone, then prompt variables); settings in the query, JSON-valued ones URL-encoded. Streamed; rejected as a whole (422, per-row issues) when any row is bad',
    query: csvQuery,
    consumes: ['text/csv'],
    streamBody: true,
    status: 201,
    idempotent: true,
    audit: { action: 'campaign.create', target: (c: { campaignId: string }) => `campaign:${c.campaignId}` },
    handler: async ({ query, req }) => {
      const chunks = streamedBody(requestStream(req.body), deps.csvUploadLimitBytes);
      return created(await createCampaign(prisma, { ...query, contacts: readContactsCsv(chunks) }));
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/campaigns',
    access: READERS,
    tag: 'campaigns',
    summary: 'List campaigns, newest first (keyset pagination)',
    query: z.strictObject({
      status: z.enum(CAMPAIGN_STATUSES).optional(),
      limit: pageSize,
      cursor: cursor.optional(),
    }),
    handler: async ({ query }) => {
      const rows = await prisma.campaign.findMany({
        where: { status: query.status, ...afterCursor('createdAt', query.cursor) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      });
      return page(rows, query.limit, (c) => ({ at: c.createdAt, id: c.id }));
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/campaigns/:id',
    access: READERS,
    tag: 'campaigns',
    summary: 'A campaign with its settings, contact counts by status and disposition, and its workflow id',
    params: idParams,
    handler: async ({ params }) => {
      const campaign = mustExist(await prisma.campaign.findUnique({ where: { id: params.id } }), 'campaign');
      return {
        ...campaign,
        workflowId: campaign.workflowId ?? campaignWorkflowId(campaign.id),
        ...(await campaignCounts(prisma, campaign.id)),
      };
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/campaigns/:id/contacts',
    access: READERS,
    tag: 'campaigns',
    summary: 'Contacts of a campaign in upload order with every dial attempt and its disposition (paged)',
    params: idParams,
    query: z.strictObject({
      status: z.enum(CONTACT_STATUSES).optional(),
      limit: pageSize,
      cursor: cursor.optional(),
    }),
    handler: async ({ params, query }) => {
      mustExist(
        await prisma.campaign.findUnique({ where: { id: params.id }, select: { id: true } }),
        'campaign',
      );
      // Contact ids are UUIDv7 issued in upload order: the id alone is the keyset.
      const rows = await prisma.campaignContact.findMany({
        where: {
          campaignId: params.id,
          status: query.status,
          ...(query.cursor ? { id: { gt: query.cursor.id } } : {}),
        },
        orderBy: { id: 'asc' },
        take: query.limit + 1,
        include: { dialAttempts: { orderBy: { attempt: 'asc' } } },
      });
      return page(rows, query.limit, (c) => ({ at: c.createdAt, id: c.id }));
    },
  });
}
