import { z } from 'zod';
import type { PrismaClient } from '../../db/client.ts';
import { generateApiKey } from '../auth/keys.ts';
import { ADMINS } from '../auth/roles.ts';
import type { Router } from '../http/route.ts';
import { idParams, mustExist } from './schemas.ts';

const PUBLIC_FIELDS = {
  id: true,
  prefix: true,
  role: true,
  name: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

export const keyCreateBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum(['admin', 'campaign_manager', 'viewer']),
});

/** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
export async function createApiKey(prisma: PrismaClient, input: z.infer<typeof keyCreateBody>) {
  const generated = generateApiKey();
  const row = await prisma.apiKey.create({
    data: { prefix: generated.prefix, hash: generated.hash, role: input.role, name: input.name },
    select: PUBLIC_FIELDS,
  });
  return { ...row, key: generated.key };
}

export function keyRoutes(r: Router, prisma: PrismaClient): void {
  r.add({
    method: 'GET',
    url: '/api/v1/keys',
    access: ADMINS,
    tag: 'keys',
    summary: 'List API keys (never their secrets)',
    handler: async () => ({
      items: await prisma.apiKey.findMany({
        select: PUBLIC_FIELDS,
        orderBy: { createdAt: 'desc' },
        take: 1000,
      }),
    }),
  });
  r.add({
    method: 'POST',
    url: '/api/v1/keys',
    access: ADMINS,
    tag: 'keys',
    summary: 'Create an API key; the key is shown in this response only',
    body: keyCreateBody,
    status: 201,
    idempotent: false,
    audit: { action: 'key.create', target: (k: { id: string }) => `api_key:${k.id}` },
    handler: ({ body }) => createApiKey(prisma, body),
  });
  r.add({
    method: 'DELETE',
    url: '/api/v1/keys/:id',
    access: ADMINS,
    tag: 'keys',
    summary: 'Revoke an API key (takes effect on the next request)',
    params: idParams,
    audit: { action: 'key.revoke', target: (k: { id: string }) => `api_key:${k.id}` },
    handler: async ({ params }) => {
      const key = mustExist(
        await prisma.apiKey.findUnique({ where: { id: params.id }, select: PUBLIC_FIELDS }),
        'API key',
      );
      if (key.revokedAt) return key;
      return prisma.apiKey.update({
        where: { id: key.id },
        data: { revokedAt: new Date() },
        select: PUBLIC_FIELDS,
      });
    },
  });
}
