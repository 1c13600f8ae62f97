import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import type { PrismaClient } from '../../db/client.ts';
import {
  type CrmReplayInput,
  crmReplayWorkflowId,
  crmReplayWorkflowType,
} from '../../workflows/crm/contract.ts';
import { ADMINS } from '../auth/roles.ts';
import { ApiError } from '../http/errors.ts';
import type { Router } from '../http/route.ts';
import { afterCursor, cursor, idParams, mustExist, page, pageSize } from './schemas.ts';

export interface DeadLetterRoutesDeps {
  prisma: PrismaClient;
  temporal?: Client;
  taskQueue: string;
}

export function deadLetterRoutes(r: Router, deps: DeadLetterRoutesDeps): void {
  const { prisma } = deps;
  r.add({
    method: 'GET',
    url: '/api/v1/dead-letters',
    access: ADMINS,
    tag: 'dead-letters',
    summary: 'CRM sync dead letters, newest first',
    query: z.strictObject({
      replayed: z.enum(['true', 'false']).optional(),
      limit: pageSize,
      cursor: cursor.optional(),
    }),
    handler: async ({ query }) => {
      const replayed = query.replayed === undefined ? undefined : query.replayed === 'true';
      const rows = await prisma.crmDeadLetter.findMany({
        where: {
          replayedAt: replayed === undefined ? undefined : replayed ? { not: null } : null,
          ...afterCursor('createdAt', query.cursor),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
        include: {
          syncRecord: { select: { idempotencyKey: true, callId: true, adapter: true, status: true } },
        },
      });
      return page(rows, query.limit, (d) => ({ at: d.createdAt, id: d.id }));
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/dead-letters/:id',
    access: ADMINS,
    tag: 'dead-letters',
    summary: 'One dead letter with the request, the CRM response and its sync record',
    params: idParams,
    handler: async ({ params }) =>
      mustExist(
        await prisma.crmDeadLetter.findUnique({ where: { id: params.id }, include: { syncRecord: true } }),
        'dead letter',
      ),
  });
  r.add({
    method: 'POST',
    url: '/api/v1/dead-letters/:id/replay',
    access: ADMINS,
    tag: 'dead-letters',
    summary:
      'Replay a dead letter through the CRM replay workflow (idempotent: one replay per dead letter at a time)',
    params: idParams,
    status: 202,
    idempotent: true,
    // Each replay starts a workflow that writes to the CRM: a tighter budget than other changes.
    rateLimit: { perMinute: 10 },
    audit: {
      action: 'dead_letter.replay',
      target: (d: { deadLetterId: string }) => `dead_letter:${d.deadLetterId}`,
    },
    handler: async ({ params }) => {
      mustExist(
        await prisma.crmDeadLetter.findUnique({ where: { id: params.id }, select: { id: true } }),
        'dead letter',
      );
      const client = deps.temporal;
      if (!client) throw new ApiError(503, 'unavailable', 'Temporal is not configured on this node');
      const workflowId = crmReplayWorkflowId(params.id);
      const input: CrmReplayInput = { deadLetterId: params.id };
      try {
        // Started by type name: the replay workflow lives in the worker, not in this process.
        // USE_EXISTING: a replay already running is the answer; a replay that completed
        // successfully is not run twice (ALLOW_DUPLICATE_FAILED_ONLY), a failed one may be.
        const handle = await client.workflow.start(crmReplayWorkflowType, {
          workflowId,
          taskQueue: deps.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
        return { deadLetterId: params.id, workflowId, runId: handle.firstExecutionRunId, state: 'started' };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          return { deadLetterId: params.id, workflowId, runId: null, state: 'already_replayed' };
        }
        throw err;
      }
    },
  });
}
