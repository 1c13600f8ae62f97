import type { PrismaClient } from '../../src/db/client.ts';

/** Rows the dial double writes: one per real (claimed) dial. Test databases only. */
export async function createDialLog(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRaw`
    CREATE TABLE IF NOT EXISTS sim_dials (
      id bigserial PRIMARY KEY,
      contact_id uuid NOT NULL,
      attempt int NOT NULL,
      phone text NOT NULL,
      workflow_id text NOT NULL,
      started_at timestamptz NOT NULL,
      dialed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      ended_at timestamptz
    )`;
}

export interface SimDial {
  contactId: string;
  attempt: number;
  phone: string;
  workflowId: string;
  startedAt: Date;
  dialedAt: Date;
  endedAt: Date | null;
}

export async function readDialLog(prisma: PrismaClient): Promise<SimDial[]> {
  const rows = await prisma.$queryRaw<
    {
      contact_id: string;
      attempt: number;
      phone: string;
      workflow_id: string;
      started_at: Date;
      dialed_at: Date;
      ended_at: Date | null;
    }[]
  >`SELECT contact_id, attempt, phone, workflow_id, started_at, dialed_at, ended_at FROM sim_dials ORDER BY id`;
  return rows.map((r) => ({
    contactId: r.contact_id,
    attempt: r.attempt,
    phone: r.phone,
    workflowId: r.workflow_id,
    startedAt: r.started_at,
    dialedAt: r.dialed_at,
    endedAt: r.ended_at,
  }));
}

/** Activities of the dial double (see dial-double-workflow.ts). */
export function createDialDoubleActivities(prisma: PrismaClient) {
  return {
    /** Claims the attempt like the real dialer does; only a new claim counts as a dial. */
    async simDial(input: {
      contactId: string;
      attempt: number;
      phone: string;
      workflowId: string;
      startedAtMs: number;
    }): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const claimed = await tx.$queryRaw<{ id: string }[]>`
          INSERT INTO dial_attempts (id, contact_id, attempt) VALUES (gen_random_uuid(), ${input.contactId}::uuid, ${input.attempt})
          ON CONFLICT (contact_id, attempt) DO NOTHING RETURNING id`;
        if (claimed.length === 0) return;
        await tx.$executeRaw`
          INSERT INTO sim_dials (contact_id, attempt, phone, workflow_id, started_at)
          VALUES (${input.contactId}::uuid, ${input.attempt}, ${input.phone}, ${input.workflowId},
                  to_timestamp(${input.startedAtMs}::float8 / 1000.0))`;
      });
    },
    async simHangUp(input: { workflowId: string }): Promise<void> {
      await prisma.$executeRaw`UPDATE sim_dials SET ended_at = clock_timestamp() WHERE workflow_id = ${input.workflowId} AND ended_at IS NULL`;
    },
  };
}

export type DialDoubleActivities = ReturnType<typeof createDialDoubleActivities>;
