import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

export interface MessageStatusUpdate {
  messageSid: string;
  status: string;
  errorCode?: string;
}

/** Returns false when the message is not one of ours (acknowledged anyway). */
export type RecordMessageStatus = (update: MessageStatusUpdate) => Promise<boolean>;

const messageStatusParams = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-zA-Z]{1,64}$/),
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z.string().max(16).optional(),
});

/**
 * Twilio's message status callback. Registered inside the Twilio webhook scope, so the request
 * has passed the X-Twilio-Signature check before this runs.
 */
export async function messageStatusRoute(
  app: FastifyInstance,
  deps: { record: RecordMessageStatus },
): Promise<void> {
  app.post('/twilio/message-status', async (req, reply) => {
    const params = messageStatusParams.safeParse(req.body);
    if (!params.success)
      return reply.code(400).send({ error: { status: 400, message: 'missing message status fields' } });
    const { MessageSid, MessageStatus, ErrorCode } = params.data;
    const known = await deps.record({ messageSid: MessageSid, status: MessageStatus, errorCode: ErrorCode });
    if (!known) req.log.warn({ messageSid: MessageSid }, 'status callback for an unknown message');
    return reply.code(204).send();
  });
}
