import type { Prisma, PrismaClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { Actor, Role } from './auth/roles.ts';

export interface AuditEvent {
  actor?: Pick<Actor, 'keyId' | 'role'> | { keyId?: string; role?: Role };
  action: string;
  target?: string;
  requestId: string;
  details?: Prisma.InputJsonValue;
}

/**
 * Appends to the audit log (append-only: a trigger refuses UPDATE and DELETE). A failed write is
 * logged and rethrown: a mutation whose audit row cannot be written is reported as failed.
 */
export function createAuditLog(prisma: PrismaClient, logger: Logger) {
  return {
    async record(event: AuditEvent): Promise<void> {
      try {
        await prisma.auditLogEntry.create({
          data: {
            actorKeyId: event.actor?.keyId ?? null,
            role: event.actor?.role ?? null,
            action: event.action,
            target: event.target ?? null,
            requestId: event.requestId,
            details: event.details,
          },
        });
      } catch (err) {
        logger.error({ err, action: event.action, requestId: event.requestId }, 'could not write audit row');
        throw err;
      }
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
