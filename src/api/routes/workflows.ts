import { type Client, WorkflowNotFoundError } from '@temporalio/client';
// Default import: the package is CommonJS, and Node's ESM loader cannot see its named exports.
import proto from '@temporalio/proto';
import { z } from 'zod';
import { callWorkflowId } from '../../workflows/call/contract.ts';
import { campaignWorkflowId } from '../../workflows/campaign/contract.ts';
import { READERS } from '../auth/roles.ts';
import { ApiError } from '../http/errors.ts';
import type { Router } from '../http/route.ts';
import { e164, uuid } from './schemas.ts';

const { HistoryEvent } = proto.temporal.api.history.v1;

const callSid = z.string().regex(/^CA[0-9A-Za-z]{8,64}$/, 'must be a Twilio CallSid (CA...)');
const pageToken = z.string().regex(/^[A-Za-z0-9_-]{1,4000}$/, 'not a page token returned by this API');

const historyQuery = z.strictObject({
  pageSize: z.coerce.number().int().min(1).max(1000).default(200),
  pageToken: pageToken.optional(),
});

const STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'ContinuedAsNew',
  'TimedOut',
] as const;

/**
 * Visibility filters. Every value is validated against a strict pattern and then quoted and
 * escaped, so no user string reaches the visibility query language as syntax.
 */
const listQuery = z.strictObject({
  callSid: callSid.optional(),
  callDirection: z.enum(['inbound', 'outbound']).optional(),
  callOutcome: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be an outcome like completed or no-answer')
    .optional(),
  customerPhone: e164.optional(),
  campaignId: uuid.optional(),
  workflowType: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, 'must be a workflow type name')
    .optional(),
  status: z.enum(STATUSES).optional(),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  pageToken: pageToken.optional(),
});

export function buildVisibilityQuery(filters: z.infer<typeof listQuery>): string {
  const clauses: string[] = [];
  const eq = (attribute: string, value: string | undefined) => {
    if (value !== undefined) clauses.push(`${attribute} = ${quote(value)}`);
  };
  eq('CallSid', filters.callSid);
  eq('CallDirection', filters.callDirection);
  eq('CallOutcome', filters.callOutcome);
  eq('CustomerPhone', filters.customerPhone);
  eq('CampaignId', filters.campaignId);
  eq('WorkflowType', filters.workflowType);
  eq('ExecutionStatus', filters.status);
  return clauses.join(' AND ');
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function workflowRoutes(r: Router, client: Client | undefined): void {
  const need = () => {
    if (!client) throw new ApiError(503, 'unavailable', 'Temporal is not configured on this node');
    return client;
  };
  r.add({
    method: 'GET',
    url: '/api/v1/workflows/calls/:callSid',
    access: READERS,
    tag: 'workflows',
    summary: "A call workflow's description and one page of its event history",
    params: z.strictObject({ callSid }),
    query: historyQuery,
    handler: ({ params, query }) => describeWithHistory(need(), callWorkflowId(params.callSid), query),
  });
  r.add({
    method: 'GET',
    url: '/api/v1/workflows/campaigns/:id',
    access: READERS,
    tag: 'workflows',
    summary: "A campaign workflow's description and one page of its event history",
    params: z.strictObject({ id: uuid }),
    query: historyQuery,
    handler: ({ params, query }) => describeWithHistory(need(), campaignWorkflowId(params.id), query),
  });
  r.add({
    method: 'GET',
    url: '/api/v1/workflows',
    access: READERS,
    tag: 'workflows',
    summary: 'Workflows from Temporal visibility, filtered by search attributes',
    query: listQuery,
    handler: async ({ query }) => {
      const c = need();
      const res = await c.workflowService
        .listWorkflowExecutions({
          namespace: c.options.namespace,
          query: buildVisibilityQuery(query),
          pageSize: query.pageSize,
          nextPageToken: decodeToken(query.pageToken),
        })
        .catch(badToken);
      return {
        items: (res.executions ?? []).map((e) => ({
          workflowId: e.execution?.workflowId,
          runId: e.execution?.runId,
          type: e.type?.name,
          status: statusName(e.status),
          startTime: timestamp(e.startTime),
          closeTime: timestamp(e.closeTime),
          taskQueue: e.taskQueue,
        })),
        nextPageToken: encodeToken(res.nextPageToken),
      };
    },
  });
}

async function describeWithHistory(client: Client, workflowId: string, query: z.infer<typeof historyQuery>) {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    const res = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId: description.runId },
      maximumPageSize: query.pageSize,
      nextPageToken: decodeToken(query.pageToken),
    });
    return {
      workflowId,
      runId: description.runId,
      type: description.type,
      status: description.status.name,
      taskQueue: description.taskQueue,
      startTime: description.startTime,
      closeTime: description.closeTime ?? null,
      historyLength: description.historyLength,
      searchAttributes: Object.fromEntries(
        description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]),
      ),
      events: (res.history?.events ?? []).map(eventToJson),
      nextPageToken: encodeToken(res.nextPageToken),
    };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'not_found', 'workflow not found');
    return badToken(err);
  }
}

/** gRPC INVALID_ARGUMENT here can only come from a page token the server does not recognise. */
function badToken(err: unknown): never {
  if ((err as { code?: number }).code === 3) {
    throw new ApiError(
      400,
      'invalid_request',
      'query.pageToken: not valid for this request',
      'query.pageToken',
    );
  }
  throw err;
}

/**
 * Events as plain JSON (enum names, int64 as strings, payload bytes as base64), via the proto
 * classes' own `toObject`. Not `historyToJSON` from @temporalio/common: with this install's two
 * protobufjs copies it throws "type must be a Type".
 */
function eventToJson(event: proto.temporal.api.history.v1.IHistoryEvent): unknown {
  return HistoryEvent.toObject(HistoryEvent.fromObject(event), {
    longs: String,
    enums: String,
    bytes: String,
  });
}

function decodeToken(token: string | undefined): Uint8Array | undefined {
  return token ? Buffer.from(token, 'base64url') : undefined;
}

function encodeToken(token: Uint8Array | null | undefined): string | null {
  return token && token.length > 0 ? Buffer.from(token).toString('base64url') : null;
}

function timestamp(t: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null {
  if (!t || t.seconds === undefined || t.seconds === null) return null;
  const ms = Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

/** WorkflowExecutionStatus enum values 0..7, as the visibility query language spells them. */
const STATUS_NAMES = ['Unspecified', ...STATUSES];
function statusName(status: number | null | undefined): string {
  return STATUS_NAMES[status ?? 0] ?? 'Unspecified';
}
