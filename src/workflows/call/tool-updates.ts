import { condition, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import type { Activities } from '../../activities/index.ts';
import {
  bookAppointmentArgs,
  cancelAppointmentArgs,
  endCallArgs,
  rescheduleAppointmentArgs,
  type ToolResult,
  transferArgs,
} from '../../domain/call.ts';
import type { CallLifecycle } from './call-lifecycle.ts';
import * as contract from './contract.ts';
import { followAppointment } from './reminder-follow-up.ts';

type Acts = Pick<
  Activities,
  'bookAppointment' | 'rescheduleAppointment' | 'cancelAppointment' | 'transferCall'
>;

/**
 * The state-changing tools as Updates. Validators run before anything is written to history:
 * bad arguments from the LLM are rejected there and the session hands the message back to it.
 */
export function registerToolUpdates(
  call: CallLifecycle,
  actsFor: () => Acts,
  transferTo: string | undefined,
): void {
  setHandler(
    contract.bookAppointmentUpdate,
    async (args) => {
      const customerId = await customerOf(call);
      if (!customerId) return { ok: false, error: 'the caller number is unknown, so nothing can be booked' };
      const agentId = call.agentId as string;
      const result = await actsFor().bookAppointment({
        ...args,
        agentId,
        customerId,
        callId: call.callId as string,
      });
      if (result.ok) {
        call.recordAppointment(result.value.appointmentId, 'booked');
        followAppointment(call, result.value.appointmentId, 'booked');
      }
      return result;
    },
    { validator: validate(bookAppointmentArgs, call) },
  );
  setHandler(
    contract.rescheduleAppointmentUpdate,
    async (args) => {
      const customerId = await customerOf(call);
      if (!customerId) return { ok: false, error: 'the caller number is unknown' };
      const result = await actsFor().rescheduleAppointment({ ...args, customerId });
      if (result.ok) {
        call.recordAppointment(result.value.appointmentId, 'rescheduled');
        followAppointment(call, result.value.appointmentId, 'rescheduled');
      }
      return result;
    },
    { validator: validate(rescheduleAppointmentArgs, call) },
  );
  setHandler(
    contract.cancelAppointmentUpdate,
    async (args) => {
      const customerId = await customerOf(call);
      if (!customerId) return { ok: false, error: 'the caller number is unknown' };
      const result = await actsFor().cancelAppointment({ ...args, customerId });
      if (result.ok) {
        call.recordAppointment(result.value.appointmentId, 'cancelled');
        followAppointment(call, result.value.appointmentId, 'cancelled');
      }
      return result;
    },
    { validator: validate(cancelAppointmentArgs, call) },
  );
  setHandler(
    contract.transferToHumanUpdate,
    async (): Promise<ToolResult<{ to: string }>> => {
      if (!transferTo) return { ok: false, error: 'no human is available to take this call' };
      await condition(() => call.started);
      await actsFor().transferCall({ callSid: call.callSid, to: transferTo });
      call.transferredTo = transferTo;
      return { ok: true, value: { to: transferTo } };
    },
    { validator: validate(transferArgs, call) },
  );
  setHandler(
    contract.endCallUpdate,
    async (): Promise<ToolResult<{ ending: true }>> => {
      call.endRequestedAt ??= Date.now();
      return { ok: true, value: { ending: true } };
    },
    { validator: validate(endCallArgs, call) },
  );
}

/**
 * Tool calls can race the workflow's first activity; they wait for the call record. Once it
 * exists (every tool call but a very early one) no condition is set up: each promise the handler
 * creates costs the SDK's stack-trace hook a captured stack, on the caller's time.
 */
async function customerOf(call: CallLifecycle): Promise<string | null> {
  if (!call.started) await condition(() => call.started);
  return call.customerId ?? null;
}

function validate<S extends z.ZodType>(schema: S, call: CallLifecycle): (args: z.infer<S>) => void {
  return (args) => {
    if (call.end) throw new Error('the call has ended');
    const parsed = schema.safeParse(args);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`invalid arguments: ${issue?.path.join('.') || 'arguments'}: ${issue?.message}`);
    }
  };
}
