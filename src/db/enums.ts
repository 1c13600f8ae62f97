/**
 * The schema's enums (`CallStatus`, `AppointmentStatus`, ...) as plain const objects and union
 * types, without the Prisma runtime that `./client.ts` loads: safe to import from code that must
 * stay free of I/O, such as Temporal workflow code.
 */
export * from './generated/enums.ts';
