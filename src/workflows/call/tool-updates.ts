import { condition, patched, setHandler } from '@temporalio/workflow';
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
  const oneAtATime = toolLane();
  setHandler(
    contract.bookAppointmentUpdate,
    (args) =>
      oneAtATime(async () => {
        const customerId = await customerOf(call);
        if (!customerId)
          return { ok: false, error: 'the caller number is unknown, so nothing can be booked' };
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
      }),
    { validator: validate(bookAppointmentArgs, call) },
  );
  setHandler(
    contract.rescheduleAppointmentUpdate,
    (args) =>
      oneAtATime(async () => {
        const customerId = await customerOf(call);
        if (!customerId) return { ok: false, error: 'the caller number is unknown' };
        const result = await actsFor().rescheduleAppointment({ ...args, customerId });
        if (result.ok) {
          call.recordAppointment(result.value.appointmentId, 'rescheduled');
          followAppointment(call, result.value.appointmentId, 'rescheduled');
        }
        return result;
      }),
    { validator: validate(rescheduleAppointmentArgs, call) },
  );
  setHandler(
    contract.cancelAppointmentUpdate,
    (args) =>
      oneAtATime(async () => {
        const customerId = await customerOf(call);
        if (!customerId) return { ok: false, error: 'the caller number is unknown' };
        const result = await actsFor().cancelAppointment({ ...args, customerId });
        if (result.ok) {
          call.recordAppointment(result.value.appointmentId, 'cancelled');
          followAppointment(call, result.value.appointmentId, 'cancelled');
        }
        return result;
      }),
    { validator: validate(cancelAppointmentArgs, call) },
  );
  setHandler(
    contract.transferToHumanUpdate,
    (): Promise<ToolResult<{ to: string }>> =>
      oneAtATime(async () => {
        if (!transferTo) return { ok: false, error: 'no human is available to take this call' };
        await condition(() => call.started);
        await actsFor().transferCall({ callSid: call.callSid, to: transferTo });
        call.transferredTo = transferTo;
        return { ok: true, value: { to: transferTo } };
      }),
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

const SERIAL_TOOLS_PATCH = 'tools-one-at-a-time';

/**
 * State-changing tools run one at a time. Their local activities are recorded in history only as
 * markers: two running side by side resolve in whatever order the database answered, so the
 * commands each handler issues next (a reminder signal, the Update's reply) came out in an order
 * that replay did not reproduce (a determinism failure, caught by
 * call-workflow.parallel-tools.test.ts). One after another, they run in the order the Updates were
 * accepted, which history does record. An LLM's parallel tool calls then wait for one another,
 * a few ms each; it waits for all of them anyway.
 */
function toolLane(): <T>(body: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (body) => {
    // Calls recorded before the lane ran their tools side by side.
    if (!patched(SERIAL_TOOLS_PATCH)) return body();
    const run = tail.then(body);
    tail = run.catch(() => undefined);
    return run;
  };
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
