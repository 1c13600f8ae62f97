import { z } from 'zod';
import type { PrismaClient } from '../../db/client.ts';
import { READERS } from '../auth/roles.ts';
import type { Router } from '../http/route.ts';
import { afterCursor, cursor, e164, idParams, mustExist, page, pageSize } from './schemas.ts';

export function customerRoutes(r: Router, prisma: PrismaClient): void {
  r.add({
    method: 'GET',
    url: '/api/v1/customers',
    access: READERS,
    tag: 'customers',
    summary: 'List customers, newest first',
    query: z.strictObject({
      phone: e164.optional(),
      name: z.string().min(1).max(200).optional(),
      limit: pageSize,
      cursor: cursor.optional(),
    }),
    handler: async ({ query }) => {
      const rows = await prisma.customer.findMany({
        where: {
          phone: query.phone,
          name: query.name ? { contains: query.name, mode: 'insensitive' } : undefined,
          ...afterCursor('createdAt', query.cursor),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      });
      return page(rows, query.limit, (c) => ({ at: c.createdAt, id: c.id }));
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/customers/:id',
    access: READERS,
    tag: 'customers',
    summary: 'A customer with upcoming appointments and recent calls',
    params: idParams,
    handler: async ({ params }) => {
      const customer = mustExist(await prisma.customer.findUnique({ where: { id: params.id } }), 'customer');
      const [appointments, recentCalls] = await Promise.all([
        prisma.appointment.findMany({
          where: { customerId: customer.id, startsAt: { gte: new Date() }, status: { not: 'cancelled' } },
          orderBy: { startsAt: 'asc' },
          take: 50,
        }),
        prisma.call.findMany({
          where: { customerId: customer.id },
          orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
          take: 20,
        }),
      ]);
      return { ...customer, appointments, recentCalls };
    },
  });
}
