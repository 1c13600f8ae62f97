import { z } from 'zod';
import {
  bookAppointmentArgs,
  cancelAppointmentArgs,
  endCallArgs,
  optOutArgs,
  rescheduleAppointmentArgs,
  transferArgs,
} from '../domain/call.ts';
import type { ToolDefinition } from '../providers/ports.ts';

/** JSON Schemas come from the same zod schemas the workflow's validators use. */
const schema = (s: z.ZodType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s) as Record<string, unknown>;
  return rest;
};

export const TOOL_DEFINITIONS: readonly ToolDefinition[] = [
  {
    name: 'findAvailableSlots',
    description: 'List free appointment slots (ISO times) from now, or from `from`, for the next two weeks.',
    parameters: schema(z.strictObject({ from: z.iso.datetime({ offset: true }).optional() })),
  },
  {
    name: 'listMyAppointments',
    description: "List the caller's upcoming appointments with their ids.",
    parameters: schema(z.strictObject({})),
  },
  {
    name: 'bookAppointment',
    description: 'Book a slot returned by findAvailableSlots, after the caller confirmed the day and time.',
    parameters: schema(bookAppointmentArgs),
  },
  {
    name: 'rescheduleAppointment',
    description: "Move one of the caller's appointments to another free slot.",
    parameters: schema(rescheduleAppointmentArgs),
  },
  {
    name: 'cancelAppointment',
    description: "Cancel one of the caller's appointments.",
    parameters: schema(cancelAppointmentArgs),
  },
  {
    name: 'transferToHuman',
    description: 'Transfer the caller to a human colleague when asked or when you cannot help.',
    parameters: schema(transferArgs),
  },
  {
    name: 'optOut',
    description:
      'The caller asked not to be called again (e.g. "stop calling me"): record it, then say a short polite goodbye.',
    parameters: schema(optOutArgs),
  },
  {
    name: 'endCall',
    description: 'End the call after saying goodbye, when the caller is done.',
    parameters: schema(endCallArgs),
  },
];
