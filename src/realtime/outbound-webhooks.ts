import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CallWorkflowInput } from '../domain/call.ts';
import { TWILIO_CALL_STATUSES } from '../domain/call.ts';
import { callStatusSignal, callWorkflowId } from '../workflows/call/contract.ts';
import { answeredBySignal, dialContextQuery, dialStatusSignal } from '../workflows/outbound/contract.ts';

/**
 * Webhooks of the calls we place. Each URL carries `?dial=<outbound workflow id>` (Twilio signs
 * the URL with its query, so it cannot be altered): progress callbacks and the AMD verdict go to
 * that workflow, and the answered call's workflow is started with the dial's agent and variables.
 */

const dialQuery = z.object({ dial: z.string().min(1).max(255) });

const statusParams = z.object({
  CallSid: z.string().regex(/^CA[0-9a-zA-Z]{1,64}$/),
  CallStatus: z.enum(TWILIO_CALL_STATUSES),
  CallDuration: z.coerce.number().int().min(0).optional(),
  SequenceNumber: z.coerce.number().int().min(0).optional(),
});

const amdParams = z.object({
  CallSid: z.string().regex(/^CA[0-9a-zA-Z]{1,64}$/),
  AnsweredBy: z.string().min(1).max(64),
});

const SEEN_LIMIT = 10_000;
/** Twilio waits 15 s for TwiML; a dial workflow without a live worker must not use all of it. */
const CONTEXT_QUERY_DEADLINE_MS = 3000;

/** The dial's agent, campaign and variables for the answered call's workflow. */
export async function outboundCallFields(
  client: Client,
  query: unknown,
  log: { warn(obj: object, msg: string): void },
): Promise<Partial<CallWorkflowInput>> {
  const parsed = dialQuery.safeParse(query);
  if (!parsed.success) return {};
  const outboundWorkflowId = parsed.data.dial;
  try {
    const context = await client.withDeadline(Date.now() + CONTEXT_QUERY_DEADLINE_MS, () =>
      client.workflow.getHandle(outboundWorkflowId).query(dialContextQuery),
    );
    return {
      outboundWorkflowId,
      agentId: context.agentId,
      campaignId: context.campaignId,
      campaignContactId: context.contactId,
      variables: context.variables,
    };
  } catch (err) {
    // The dial is gone (finished, or a stale URL): take the call with the number's own agent.
    log.warn({ err, outboundWorkflowId }, 'answered outbound call without its dial context');
    return { outboundWorkflowId };
  }
}

export async function outboundWebhooks(app: FastifyInstance, deps: { client: Client }): Promise<void> {
  const seen = new Set<string>();
  const once = (key: string) => {
    if (seen.has(key)) return false;
    if (seen.size >= SEEN_LIMIT) seen.clear();
    seen.add(key);
    return true;
  };
  const ignoreMissing = (err: unknown) => {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  };

  app.post('/twilio/outbound/status', async (req, reply) => {
    const query = dialQuery.safeParse(req.query);
    const params = statusParams.safeParse(req.body);
    if (!query.success || !params.success)
      return reply.code(400).send({ error: { status: 400, message: 'missing status fields' } });
    const { CallSid, CallStatus, CallDuration, SequenceNumber } = params.data;
    if (!once(`${CallSid}:${CallStatus}:${SequenceNumber ?? ''}`)) return reply.code(204).send();
    await deps.client.workflow
      .getHandle(query.data.dial)
      .signal(dialStatusSignal, { callSid: CallSid, status: CallStatus, sequence: SequenceNumber })
      .catch(ignoreMissing);
    // The answered call's own workflow needs the end of the call too.
    if (CallStatus === 'in-progress' || CallStatus === 'completed') {
      await deps.client.workflow
        .getHandle(callWorkflowId(CallSid))
        .signal(callStatusSignal, { status: CallStatus, durationSec: CallDuration })
        .catch(ignoreMissing);
    }
    return reply.code(204).send();
  });

  app.post('/twilio/outbound/amd', async (req, reply) => {
    const query = dialQuery.safeParse(req.query);
    const params = amdParams.safeParse(req.body);
    if (!query.success || !params.success)
      return reply.code(400).send({ error: { status: 400, message: 'missing AMD fields' } });
    if (!once(`${params.data.CallSid}:amd`)) return reply.code(204).send();
    await deps.client.workflow
      .getHandle(query.data.dial)
      .signal(answeredBySignal, { callSid: params.data.CallSid, answeredBy: params.data.AnsweredBy })
      .catch(ignoreMissing);
    return reply.code(204).send();
  });
}
