import { ApplicationFailure } from '@temporalio/activity';
import type { CallStatus as DbCallStatus, PrismaClient } from '../db/client.ts';
import type { TwilioCallStatus } from '../domain/call.ts';
import { normalizePhone } from '../domain/phone.ts';
import type { Logger } from '../logger.ts';
import type { CallControl } from '../providers/ports.ts';

export interface CallActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  /** Twilio REST; absent when no account is configured (then status checks report unknown). */
  callControl?: CallControl;
  now?: () => Date;
}

export interface StartCallInput {
  callSid: string;
  workflowId: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  campaignId?: string;
  campaignContactId?: string;
  /** Chosen by an outbound call; otherwise the number's owner answers. */
  agentId?: string;
}

export interface StartedCall {
  callId: string;
  customerId: string | null;
  customerPhone: string | null;
  agentId: string;
  /** The agent records its calls (Twilio dual-channel recording once the call is live). */
  recordCalls: boolean;
}

const toDbStatus = (s: TwilioCallStatus): DbCallStatus => s.replace('-', '_') as DbCallStatus;

export function createCallActivities(deps: CallActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    /** Records the call (idempotent by CallSid) with its agent and, when the number is valid, its customer. */
    async startCall(input: StartCallInput): Promise<StartedCall> {
      const agentNumber = input.direction === 'inbound' ? input.to : input.from;
      const agentId = input.agentId
        ? await requireAgent(deps.prisma, input.agentId)
        : await findAgentId(deps.prisma, agentNumber);
      const phone = normalizePhone(input.direction === 'inbound' ? input.from : input.to);
      const customer = phone.ok
        ? await deps.prisma.customer.upsert({
            where: { phone: phone.e164 },
            create: { phone: phone.e164 },
            update: {},
          })
        : null;
      const call = await deps.prisma.call.upsert({
        where: { callSid: input.callSid },
        create: {
          callSid: input.callSid,
          direction: input.direction,
          from: input.from,
          to: input.to,
          status: 'ringing',
          agentId,
          customerId: customer?.id,
          workflowId: input.workflowId,
          campaignId: input.campaignId,
          campaignContactId: input.campaignContactId,
        },
        update: {},
        include: { agent: { select: { recordCalls: true } } },
      });
      return {
        recordCalls: call.agent.recordCalls,
        callId: call.id,
        customerId: call.customerId,
        customerPhone: customer?.phone ?? null,
        agentId,
      };
    },

    async markCallLive(input: { callId: string }): Promise<void> {
      await deps.prisma.call.updateMany({
        where: { id: input.callId, answeredAt: null },
        data: { answeredAt: now(), status: 'in_progress' },
      });
    },

    /** Closes the call once: a second close (retry, replay) finds endedAt set and changes nothing. */
    async closeCall(input: { callId: string; status: TwilioCallStatus; outcome: string }): Promise<void> {
      const call = await deps.prisma.call.findUniqueOrThrow({ where: { id: input.callId } });
      if (call.endedAt) return;
      const endedAt = now();
      const since = call.answeredAt ?? call.startedAt;
      await deps.prisma.call.updateMany({
        where: { id: input.callId, endedAt: null },
        data: {
          status: toDbStatus(input.status),
          outcome: input.outcome,
          endedAt,
          durationMs: Math.max(0, endedAt.getTime() - since.getTime()),
        },
      });
    },

    async fetchTelephonyStatus(input: { callSid: string }): Promise<TwilioCallStatus | 'unknown'> {
      if (!deps.callControl) return 'unknown';
      return (await deps.callControl.fetchCall(input.callSid)).status;
    },

    async hangUpCall(input: { callSid: string }): Promise<void> {
      if (!deps.callControl) return;
      await deps.callControl.hangUp(input.callSid);
    },

    async transferCall(input: { callSid: string; to: string }): Promise<void> {
      if (!deps.callControl) {
        throw ApplicationFailure.nonRetryable(
          'no telephony account is configured for transfers',
          'NoTelephony',
        );
      }
      await deps.callControl.transfer(input.callSid, input.to);
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function requireAgent(prisma: PrismaClient, agentId: string): Promise<string> {
  const agent = UUID.test(agentId) ? await prisma.agent.findUnique({ where: { id: agentId } }) : null;
  if (!agent) throw ApplicationFailure.nonRetryable(`agent ${agentId} does not exist`, 'NoAgent');
  return agent.id;
}

/** The agent that owns the number, else the default agent: a fresh install answers every call. */
async function findAgentId(prisma: PrismaClient, number: string): Promise<string> {
  const owned = await prisma.agentPhoneNumber.findUnique({ where: { phone: number } });
  if (owned) return owned.agentId;
  const fallback = await prisma.agent.findFirst({ where: { isDefault: true } });
  if (!fallback)
    throw ApplicationFailure.nonRetryable('no agent answers this number and none is default', 'NoAgent');
  return fallback.id;
}
