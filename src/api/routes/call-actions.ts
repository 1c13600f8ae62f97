import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { z } from 'zod';
import type { PrismaClient } from '../../db/client.ts';
import { startOneOffCall } from '../../platform/start-outbound-call.ts';
import {
  dialStateQuery,
  type OutboundCallInput,
  type OutboundCallResult,
  oneOffCallWorkflowId,
} from '../../workflows/outbound/contract.ts';
import {
  type PostCallInput,
  postCallRerunWorkflowId,
  postCallWorkflowType,
} from '../../workflows/post-call/contract.ts';
import { ADMINS, MANAGERS, READERS } from '../auth/roles.ts';
import { ApiError } from '../http/errors.ts';
import type { RouteContext, Router } from '../http/route.ts';
import { e164, idParams, mustExist } from './schemas.ts';

export interface CallActionRoutesDeps {
  prisma: PrismaClient;
  temporal?: Client;
  taskQueue: string;
  /** One-off calls per minute per API key: each one is a paid call to a real person. */
  outboundPerMinute: number;
}

const outboundBody = z.strictObject({
  to: e164,
  from: e164,
  agentId: z.uuid().optional(),
  variables: z.record(z.string().min(1).max(100), z.string().max(1000)).optional(),
  voicemail: z
    .strictObject({
      action: z.enum(['hang_up', 'leave_message']),
      message: z.string().min(1).max(500).optional(),
    })
    .refine((v) => v.action !== 'leave_message' || v.message, {
      message: 'leave_message needs a message',
      path: ['message'],
    })
    .optional(),
});

const outboundRef = z.strictObject({ workflowId: z.string().regex(/^outbound:[A-Za-z0-9_.:-]{1,250}$/) });

export function callActionRoutes(r: Router, deps: CallActionRoutesDeps): void {
  const { prisma } = deps;
  const temporal = (): Client => {
    if (!deps.temporal) throw new ApiError(503, 'unavailable', 'Temporal is not configured on this node');
    return deps.temporal;
  };

  r.add({
    method: 'POST',
    url: '/api/v1/calls/outbound',
    access: MANAGERS,
    tag: 'calls',
    summary:
      'Place one outbound call. Idempotency-Key is required and names the call, so a retried POST never dials twice. Numbers on the do-not-call list are refused by the dialer: GET /api/v1/calls/outbound/{workflowId} then reports the disposition do_not_call',
    body: outboundBody,
    status: 202,
    idempotent: true,
    rateLimit: { perMinute: deps.outboundPerMinute },
    audit: { action: 'call.outbound', target: (c: { workflowId: string }) => `workflow:${c.workflowId}` },
    handler: async (ctx) => {
      const requestId = outboundRequestId(ctx);
      const { body } = ctx;
      if (
        body.agentId &&
        !(await prisma.agent.findUnique({ where: { id: body.agentId }, select: { id: true } }))
      )
        throw new ApiError(
          400,
          'invalid_request',
          `body.agentId: unknown agent ${body.agentId}`,
          'body.agentId',
        );
      const client = temporal();
      const workflowId = oneOffCallWorkflowId(requestId);
      try {
        await startOneOffCall(client, deps.taskQueue, requestId, body as OutboundCallInput);
        return { workflowId, state: 'started' };
      } catch (err) {
        // The key was used before and its response not stored (a crash, or two requests at once):
        // the call already exists, so this request is answered with it and dials nothing.
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          return { workflowId, state: 'already_started' };
        throw err;
      }
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/calls/outbound/:workflowId',
    access: READERS,
    tag: 'calls',
    summary:
      'State of a one-off outbound call: its phase while it runs, then its disposition (answered, busy, no_answer, voicemail, do_not_call, ...)',
    params: outboundRef,
    handler: async ({ params }) => dialState(temporal(), params.workflowId),
  });
  r.add({
    method: 'POST',
    url: '/api/v1/calls/:id/analysis',
    access: ADMINS,
    tag: 'calls',
    summary:
      'Re-run the post-call analysis of a call as a new version (postcall:<callId>:v<version>); earlier versions are kept',
    params: idParams,
    status: 202,
    idempotent: true,
    rateLimit: { perMinute: deps.outboundPerMinute },
    audit: {
      action: 'call.analysis_rerun',
      target: (a: { callId: string; version: number }) => `call:${a.callId}:v${a.version}`,
    },
    handler: async ({ params }) => {
      mustExist(await prisma.call.findUnique({ where: { id: params.id }, select: { id: true } }), 'call');
      const client = temporal();
      const latest = await prisma.callSummary.aggregate({
        where: { callId: params.id },
        _max: { version: true },
      });
      const version = (latest._max.version ?? 0) + 1;
      const workflowId = postCallRerunWorkflowId(params.id, version);
      // USE_EXISTING: two admins asking at once share the one re-run of that version.
      const handle = await client.workflow.start(postCallWorkflowType, {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [{ callId: params.id, version } satisfies PostCallInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return { callId: params.id, version, workflowId, runId: handle.firstExecutionRunId };
    },
  });
}

/**
 * The one-off call's request id: the Idempotency-Key, scoped to the API key that sent it so two
 * clients choosing the same key cannot collide. Required here, unlike other POSTs.
 */
function outboundRequestId(ctx: RouteContext<unknown, unknown, unknown>): string {
  const key = ctx.req.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '')
    throw new ApiError(
      400,
      'invalid_request',
      'Idempotency-Key: required for outbound calls (it names the call, so a retry never dials twice)',
      'header.idempotency-key',
    );
  return `${ctx.actor.keyId}:${key}`;
}

async function dialState(client: Client, workflowId: string) {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    if (description.status.name === 'RUNNING')
      return { workflowId, status: 'RUNNING', ...(await handle.query(dialStateQuery)) };
    if (description.status.name !== 'COMPLETED') return { workflowId, status: description.status.name };
    const result = (await handle.result()) as OutboundCallResult;
    return { workflowId, status: 'COMPLETED', phase: 'done', ...result };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'not_found', 'outbound call not found');
    if (err instanceof WorkflowFailedError)
      return { workflowId, status: 'FAILED', detail: err.cause?.message };
    throw err;
  }
}
