import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RecordingStatusUpdate } from '../db/recordings.ts';
import { TWILIO_CALL_STATUSES } from '../domain/call.ts';
import { publicRequestUrl, type TwilioParams, verifyTwilioSignature } from '../providers/twilio/signature.ts';
import { connectStreamTwiml } from '../providers/twilio/twiml.ts';
import type { callWorkflow } from '../workflows/call/call-workflow.ts';
import { callStatusSignal, callWorkflowId } from '../workflows/call/contract.ts';
import { PRIORITY } from '../workflows/priorities.ts';
import type { StreamTokens } from './media/stream-token.ts';
import { messageStatusRoute, type RecordMessageStatus } from './message-status.ts';
import { outboundCallFields, outboundWebhooks } from './outbound-webhooks.ts';

export interface TwilioWebhookDeps {
  client: Client;
  taskQueue: string;
  authToken: string;
  /** What Twilio calls us on; signatures are computed over it, not over the Host header. */
  publicBaseUrl: string;
  tokens: StreamTokens;
  /** Number a `transferToHuman` tool dials; unset means the tool tells the caller nobody is free. */
  transferTo?: string;
  /** How long the call workflow waits for a media heartbeat before it closes the call. */
  mediaHeartbeatTimeoutMs?: number;
  /** Stores a recording status callback (false: unknown call); the route exists only when set. */
  saveRecordingStatus?: (update: RecordingStatusUpdate) => Promise<boolean>;
  /** Stores SMS delivery updates (`/twilio/message-status`); the route exists only when set. */
  recordMessageStatus?: RecordMessageStatus;
}

export const RECORDING_STATUS_PATH = '/twilio/recording-status';

const recordingParams = z.object({
  CallSid: z.string().regex(/^CA[0-9a-zA-Z]{1,64}$/),
  RecordingSid: z.string().regex(/^RE[0-9a-zA-Z]{1,64}$/),
  RecordingUrl: z.url({ protocol: /^https?$/ }),
  RecordingStatus: z.enum(['in-progress', 'completed', 'absent', 'failed']),
  RecordingDuration: z.coerce.number().int().optional(),
});

const voiceParams = z.object({
  CallSid: z.string().regex(/^CA[0-9a-zA-Z]{1,64}$/),
  From: z.string().min(1).max(64),
  To: z.string().min(1).max(64),
  Direction: z.string().optional(),
});

const statusParams = z.object({
  CallSid: z.string().regex(/^CA[0-9a-zA-Z]{1,64}$/),
  CallStatus: z.enum(TWILIO_CALL_STATUSES),
  CallDuration: z.coerce.number().int().min(0).optional(),
  SequenceNumber: z.string().optional(),
});

/** Status callbacks are retried by Twilio; remember recent ones so each reaches the workflow once. */
const SEEN_STATUS_LIMIT = 10_000;

/** Twilio's voice and status webhooks: signature-checked, then handed to the call workflow. */
export async function twilioWebhooks(app: FastifyInstance, deps: TwilioWebhookDeps): Promise<void> {
  const seenStatuses = new Set<string>();
  app.addHook('preHandler', async (req, reply) => rejectUnsigned(req, reply, deps));
  await outboundWebhooks(app, deps);
  if (deps.recordMessageStatus) await app.register(messageStatusRoute, { record: deps.recordMessageStatus });

  app.post('/twilio/voice', async (req, reply) => {
    const params = voiceParams.safeParse(req.body);
    if (!params.success)
      return reply.code(400).send({ error: { status: 400, message: 'missing call fields' } });
    const { CallSid, From, To, Direction } = params.data;
    const outbound = Direction?.startsWith('outbound') ?? false;
    // A call we placed: its dial workflow says which agent speaks and with which variables.
    const dialed = outbound ? await outboundCallFields(deps.client, req.query, req.log) : {};
    await deps.client.workflow.start<typeof callWorkflow>('callWorkflow', {
      taskQueue: deps.taskQueue,
      workflowId: callWorkflowId(CallSid),
      // Twilio retries webhooks: a second delivery attaches to the running workflow.
      workflowIdConflictPolicy: 'USE_EXISTING',
      // Ahead of any backlog (a campaign's dials): this workflow answers the caller's tool calls.
      priority: PRIORITY.liveCall,
      args: [
        {
          callSid: CallSid,
          direction: outbound ? 'outbound' : 'inbound',
          from: From,
          to: To,
          ...dialed,
          transferTo: deps.transferTo,
          mediaHeartbeatTimeoutMs: deps.mediaHeartbeatTimeoutMs,
        },
      ],
    });
    const streamUrl = publicRequestUrl(deps.publicBaseUrl.replace(/^http/, 'ws'), '/twilio/media');
    const twiml = connectStreamTwiml({ streamUrl, parameters: { token: deps.tokens.issue(CallSid) } });
    return reply.type('text/xml').send(twiml);
  });

  app.post('/twilio/status', async (req, reply) => {
    const params = statusParams.safeParse(req.body);
    if (!params.success)
      return reply.code(400).send({ error: { status: 400, message: 'missing status fields' } });
    const { CallSid, CallStatus, CallDuration, SequenceNumber } = params.data;
    const key = `${CallSid}:${CallStatus}:${SequenceNumber ?? ''}`;
    if (seenStatuses.has(key)) return reply.code(204).send();
    try {
      await deps.client.workflow
        .getHandle(callWorkflowId(CallSid))
        .signal(callStatusSignal, { status: CallStatus, durationSec: CallDuration });
    } catch (err) {
      // A call we never started (or long finished): nothing to update, and Twilio must not retry.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      req.log.warn({ callSid: CallSid }, 'status callback for an unknown call');
    }
    if (seenStatuses.size >= SEEN_STATUS_LIMIT) seenStatuses.clear();
    seenStatuses.add(key);
    return reply.code(204).send();
  });

  const saveRecording = deps.saveRecordingStatus;
  if (saveRecording) {
    app.post(RECORDING_STATUS_PATH, async (req, reply) => {
      const params = recordingParams.safeParse(req.body);
      if (!params.success)
        return reply.code(400).send({ error: { status: 400, message: 'missing recording fields' } });
      const p = params.data;
      const known = await saveRecording({
        callSid: p.CallSid,
        recordingSid: p.RecordingSid,
        recordingUrl: p.RecordingUrl,
        status: p.RecordingStatus,
        durationSec: p.RecordingDuration,
      });
      // Unknown calls are acknowledged: a retry would not make them known.
      if (!known) req.log.warn({ callSid: p.CallSid }, 'recording status for an unknown call');
      return reply.code(204).send();
    });
  }
}

async function rejectUnsigned(req: FastifyRequest, reply: FastifyReply, deps: TwilioWebhookDeps) {
  const valid = verifyTwilioSignature({
    authToken: deps.authToken,
    url: publicRequestUrl(deps.publicBaseUrl, req.url),
    params: (req.body ?? {}) as TwilioParams,
    signature: req.headers['x-twilio-signature'],
  });
  if (!valid) {
    req.log.warn({ url: req.url }, 'rejected a request with a missing or wrong Twilio signature');
    return reply.code(403).send({ error: { status: 403, message: 'invalid Twilio signature' } });
  }
}
