import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { listFreeSlots } from '../db/appointments.ts';
import type { PrismaClient } from '../db/client.ts';
import type { ToolCall, ToolDefinition } from '../providers/ports.ts';
import * as contract from '../workflows/call/contract.ts';
import type { ToolExecutor, ToolOutcome } from './session/types.ts';
import { TOOL_DEFINITIONS } from './tool-definitions.ts';

export interface CallToolsDeps {
  client: Client;
  prisma: PrismaClient;
  callSid: string;
  agentId: string;
  customerId: string | null;
  /** Names from the agent configuration; tools not listed are neither offered nor executed. */
  enabledTools: readonly string[];
  now?: () => Date;
}

const SEARCH_DAYS = 14;

/**
 * The LLM's tools for one call. Reads (free slots, the caller's appointments) go straight to the
 * database; every state change is an Update on the call workflow whose id is the LLM's tool-call
 * id, so a retried tool call is applied once. Failures come back as text the model can act on.
 */
export function createCallTools(deps: CallToolsDeps): ToolExecutor {
  const enabled = new Set(deps.enabledTools);
  const definitions: ToolDefinition[] = TOOL_DEFINITIONS.filter((d) => enabled.has(d.name));
  const handle = deps.client.workflow.getHandle(contract.callWorkflowId(deps.callSid));
  const now = deps.now ?? (() => new Date());

  const updates = {
    bookAppointment: contract.bookAppointmentUpdate,
    rescheduleAppointment: contract.rescheduleAppointmentUpdate,
    cancelAppointment: contract.cancelAppointmentUpdate,
    transferToHuman: contract.transferToHumanUpdate,
    endCall: contract.endCallUpdate,
    optOut: contract.optOutUpdate,
  } as const;

  async function run(call: ToolCall, args: Record<string, unknown>): Promise<ToolOutcome> {
    if (call.name === 'findAvailableSlots') return { content: JSON.stringify(await freeSlots(args)) };
    if (call.name === 'listMyAppointments') return { content: JSON.stringify(await myAppointments()) };
    const update = updates[call.name as keyof typeof updates];
    if (!update) return { content: `error: unknown tool ${call.name}` };
    // The update definitions differ in argument types; each validator re-checks the shape.
    const result = (await handle.executeUpdate(update as typeof contract.endCallUpdate, {
      args: [args as never],
      updateId: call.id,
    })) as { ok: boolean; error?: string; value?: unknown };
    return {
      content: JSON.stringify(result),
      // An opt-out ends the call too: the model's goodbye is spoken, then the line is closed.
      endCall: (call.name === 'endCall' || call.name === 'optOut') && result.ok,
      transferred: call.name === 'transferToHuman' && result.ok,
    };
  }

  async function freeSlots(args: Record<string, unknown>) {
    const from =
      typeof args.from === 'string' && !Number.isNaN(Date.parse(args.from)) ? new Date(args.from) : now();
    const to = new Date(from.getTime() + SEARCH_DAYS * 86_400_000);
    const slots = await listFreeSlots(deps.prisma, { agentId: deps.agentId, from, to, limit: 6 });
    return {
      slots: slots.map((s) => ({ startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() })),
    };
  }

  async function myAppointments() {
    if (!deps.customerId) return { appointments: [] };
    const rows = await deps.prisma.appointment.findMany({
      where: { customerId: deps.customerId, status: { not: 'cancelled' }, startsAt: { gt: now() } },
      orderBy: { startsAt: 'asc' },
      take: 10,
    });
    return { appointments: rows.map((a) => ({ appointmentId: a.id, startsAt: a.startsAt.toISOString() })) };
  }

  return {
    definitions: () => definitions,
    async execute(call) {
      if (!enabled.has(call.name))
        return { content: `error: tool ${call.name} is not available on this call` };
      const args = parseArguments(call.argumentsJson);
      if (!args) return { content: 'error: the arguments were not a JSON object; call the tool again' };
      try {
        return await run(call, args);
      } catch (err) {
        // A validator refusal: nothing was recorded; the model gets the reason and can retry.
        if (err instanceof WorkflowUpdateFailedError)
          return { content: `error: ${err.cause?.message ?? err.message}` };
        throw err;
      }
    },
  };
}

function parseArguments(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json || '{}');
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
