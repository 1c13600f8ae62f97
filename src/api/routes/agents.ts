import { z } from 'zod';
import type { Prisma, PrismaClient } from '../../db/client.ts';
import { DEFAULT_AGENT } from '../../db/seed.ts';
import { businessHoursSchema } from '../../domain/availability.ts';
import { isValidTimeZone } from '../../domain/time-zone.ts';
import { ADMINS, READERS } from '../auth/roles.ts';
import { ApiError } from '../http/errors.ts';
import type { Router } from '../http/route.ts';
import { afterCursor, cursor, e164, idParams, mustExist, page, pageSize } from './schemas.ts';

/** Tools an agent may enable: the ones the realtime node implements (the seeded agent has all). */
const TOOL_NAMES = DEFAULT_AGENT.enabledTools as [string, ...string[]];

const agentFields = {
  name: z.string().trim().min(1).max(100),
  systemPrompt: z.string().min(1).max(20_000),
  greeting: z.string().min(1).max(2_000),
  voice: z.string().min(1).max(200),
  ttsModel: z.string().min(1).max(100),
  sttModel: z.string().min(1).max(100),
  llmModel: z.string().min(1).max(100).nullable(),
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 tag like en-US'),
  enabledTools: z.array(z.enum(TOOL_NAMES)).max(TOOL_NAMES.length),
  endpointingMs: z.number().int().min(10).max(10_000),
  utteranceEndMs: z.number().int().min(1000).max(10_000),
  bargeInEnabled: z.boolean(),
  bargeInMinSpeechMs: z.number().int().min(0).max(5_000),
  businessHours: businessHoursSchema,
  slotMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60),
  timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone like America/New_York'),
  isDefault: z.boolean(),
  /** Numbers this agent answers; replaces the whole set on update. */
  phoneNumbers: z.array(e164).max(100),
};

const createBody = z.strictObject({
  ...agentFields,
  llmModel: agentFields.llmModel.optional(),
  language: agentFields.language.optional(),
  enabledTools: agentFields.enabledTools.optional(),
  endpointingMs: agentFields.endpointingMs.optional(),
  utteranceEndMs: agentFields.utteranceEndMs.optional(),
  bargeInEnabled: agentFields.bargeInEnabled.optional(),
  bargeInMinSpeechMs: agentFields.bargeInMinSpeechMs.optional(),
  businessHours: agentFields.businessHours.optional(),
  slotMinutes: agentFields.slotMinutes.optional(),
  timeZone: agentFields.timeZone.optional(),
  isDefault: agentFields.isDefault.optional(),
  phoneNumbers: agentFields.phoneNumbers.optional(),
});
const updateBody = z
  .strictObject(agentFields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'at least one field is required');

const include = { phoneNumbers: { select: { phone: true }, orderBy: { phone: 'asc' } } } as const;

type AgentWithNumbers = Prisma.AgentGetPayload<{ include: typeof include }>;
function view(agent: AgentWithNumbers) {
  return { ...agent, phoneNumbers: agent.phoneNumbers.map((p) => p.phone) };
}

/**
 * Agent configurations. Calls read their agent when they start, so an edit applies to new calls
 * and never to one in progress. Writes are one transaction: the default flag moves atomically
 * and a number already answered by another agent refuses the whole change.
 */
export function agentRoutes(r: Router, prisma: PrismaClient): void {
  r.add({
    method: 'GET',
    url: '/api/v1/agents',
    access: READERS,
    tag: 'agents',
    summary: 'List agents',
    query: z.strictObject({ limit: pageSize, cursor: cursor.optional() }),
    handler: async ({ query }) => {
      const rows = await prisma.agent.findMany({
        where: afterCursor('createdAt', query.cursor),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
        include,
      });
      const result = page(rows, query.limit, (a) => ({ at: a.createdAt, id: a.id }));
      return { ...result, items: result.items.map(view) };
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/agents/:id',
    access: READERS,
    tag: 'agents',
    summary: 'One agent',
    params: idParams,
    handler: async ({ params }) =>
      view(mustExist(await prisma.agent.findUnique({ where: { id: params.id }, include }), 'agent')),
  });
  r.add({
    method: 'POST',
    url: '/api/v1/agents',
    access: ADMINS,
    tag: 'agents',
    summary: 'Create an agent',
    body: createBody,
    status: 201,
    idempotent: true,
    audit: { action: 'agent.create', target: (a: { id: string }) => `agent:${a.id}` },
    handler: ({ body }) => save(prisma, undefined, body),
  });
  r.add({
    method: 'PATCH',
    url: '/api/v1/agents/:id',
    access: ADMINS,
    tag: 'agents',
    summary: 'Change an agent; applies to calls that start afterwards',
    params: idParams,
    body: updateBody,
    audit: { action: 'agent.update', target: (a: { id: string }) => `agent:${a.id}` },
    handler: async ({ params, body }) => {
      const existing = mustExist(
        await prisma.agent.findUnique({ where: { id: params.id }, select: { isDefault: true } }),
        'agent',
      );
      // Calls to numbers no agent claims go to the default agent: there must always be one.
      if (existing.isDefault && body.isDefault === false) {
        throw new ApiError(409, 'conflict', 'make another agent the default instead', 'body.isDefault');
      }
      return save(prisma, params.id, body);
    },
  });
}

type AgentInput = Partial<z.infer<typeof updateBody>>;

async function save(prisma: PrismaClient, id: string | undefined, input: AgentInput) {
  const { phoneNumbers, ...fields } = input;
  try {
    const agent = await prisma.$transaction(async (tx) => {
      if (fields.isDefault)
        await tx.agent.updateMany({
          where: { isDefault: true, id: { not: id } },
          data: { isDefault: false },
        });
      const saved = id
        ? await tx.agent.update({ where: { id }, data: fields })
        : await tx.agent.create({ data: fields as Prisma.AgentCreateInput });
      if (phoneNumbers) {
        const taken = await tx.agentPhoneNumber.findFirst({
          where: { phone: { in: phoneNumbers }, agentId: { not: saved.id } },
        });
        if (taken)
          throw new ApiError(
            409,
            'conflict',
            `${taken.phone} is answered by another agent`,
            'body.phoneNumbers',
          );
        await tx.agentPhoneNumber.deleteMany({ where: { agentId: saved.id } });
        await tx.agentPhoneNumber.createMany({
          data: [...new Set(phoneNumbers)].map((phone) => ({ phone, agentId: saved.id })),
        });
      }
      return tx.agent.findUniqueOrThrow({ where: { id: saved.id }, include });
    });
    return view(agent);
  } catch (err) {
    const e = err as { code?: string; meta?: { target?: unknown } };
    if (e.code === 'P2002') {
      // A concurrent write took one of the numbers between our check and the insert.
      if (JSON.stringify(e.meta ?? {}).includes('phone')) {
        throw new ApiError(409, 'conflict', 'a number is answered by another agent', 'body.phoneNumbers');
      }
      throw new ApiError(409, 'conflict', 'an agent with this name already exists', 'body.name');
    }
    throw err;
  }
}
