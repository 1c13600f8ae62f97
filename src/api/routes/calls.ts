import { z } from 'zod';
import type { Prisma, PrismaClient } from '../../db/client.ts';
import { callWorkflowId } from '../../workflows/call/contract.ts';
import { READERS } from '../auth/roles.ts';
import type { Router } from '../http/route.ts';
import { afterCursor, cursor, e164, isoDate, mustExist, page, pageSize, uuid } from './schemas.ts';

export interface CallRoutesDeps {
  prisma: PrismaClient;
  /** Base of the Temporal Web UI and the namespace, for links to a call's workflow. */
  temporalUi?: { url: string; namespace: string };
}

const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in_progress',
  'completed',
  'busy',
  'no_answer',
  'failed',
  'canceled',
] as const;

const listQuery = z.strictObject({
  from: isoDate.optional(),
  to: isoDate.optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  status: z.enum(CALL_STATUSES).optional(),
  outcome: z.string().min(1).max(100).optional(),
  campaignId: uuid.optional(),
  agentId: uuid.optional(),
  customerPhone: e164.optional(),
  /** Case-insensitive substring of the call's summaries. */
  q: z.string().min(2).max(200).optional(),
  limit: pageSize,
  cursor: cursor.optional(),
});

/** A call's uuid, or its Twilio CallSid (what operators usually have at hand). */
const callRef = z.strictObject({ id: z.union([uuid, z.string().regex(/^CA[0-9A-Za-z]{8,64}$/)]) });

export function callRoutes(r: Router, deps: CallRoutesDeps): void {
  const { prisma } = deps;
  r.add({
    method: 'GET',
    url: '/api/v1/calls',
    access: READERS,
    tag: 'calls',
    summary: 'List calls, newest first; filters and keyset pagination run in SQL',
    query: listQuery,
    handler: async ({ query }) => {
      const where: Prisma.CallWhereInput = {
        startedAt: { gte: query.from, lt: query.to },
        direction: query.direction,
        status: query.status,
        outcome: query.outcome,
        campaignId: query.campaignId,
        agentId: query.agentId,
        customer: query.customerPhone ? { phone: query.customerPhone } : undefined,
        summaries: query.q ? { some: { summary: { contains: query.q, mode: 'insensitive' } } } : undefined,
        ...afterCursor('startedAt', query.cursor),
      };
      const rows = await prisma.call.findMany({
        where,
        orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      });
      return page(rows, query.limit, (c) => ({ at: c.startedAt, id: c.id }));
    },
  });

  r.add({
    method: 'GET',
    url: '/api/v1/calls/:id',
    access: READERS,
    tag: 'calls',
    summary: 'A call with its turns (heard and generated text, latencies, tool calls) and latest summary',
    params: callRef,
    handler: async ({ params }) => {
      const where = uuid.safeParse(params.id).success ? { id: params.id } : { callSid: params.id };
      const call = mustExist(
        await prisma.call.findUnique({
          where: where as Prisma.CallWhereUniqueInput,
          include: {
            turns: { orderBy: { sequence: 'asc' } },
            summaries: { orderBy: { version: 'desc' }, take: 1 },
            agent: { select: { id: true, name: true } },
            customer: { select: { id: true, phone: true, name: true } },
          },
        }),
        'call',
      );
      const { summaries, turns, ...rest } = call;
      const workflowId = call.workflowId ?? callWorkflowId(call.callSid);
      return {
        ...rest,
        workflowId,
        temporalUiUrl: deps.temporalUi
          ? `${deps.temporalUi.url}/namespaces/${encodeURIComponent(deps.temporalUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`
          : null,
        summary: summaries[0] ?? null,
        turns: turns.map((t) => ({
          sequence: t.sequence,
          role: t.role,
          heardText: t.heardText,
          generatedText: t.generatedText,
          interrupted: t.interrupted,
          latency: {
            sttFinalMs: t.sttFinalMs,
            llmFirstTokenMs: t.llmFirstTokenMs,
            ttsFirstByteMs: t.ttsFirstByteMs,
            firstFrameMs: t.firstFrameMs,
          },
          toolCalls: t.toolCalls,
          createdAt: t.createdAt,
        })),
      };
    },
  });
}
