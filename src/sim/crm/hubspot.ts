import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CrmFaults } from './faults.ts';
import type { CrmLedger } from './ledger.ts';

/**
 * SIMULATED HubSpot CRM v3 objects API (contacts and notes): search with an EQ filter, create
 * (with v4-style associations), Bearer private-app auth. Like HubSpot it does not deduplicate
 * creates, so a client that writes a note twice leaves two notes.
 */
interface HubObject {
  id: string;
  properties: Record<string, string>;
  associations?: unknown;
  createdAt: string;
  updatedAt: string;
  archived: false;
}

export interface HubSpotSimState {
  contacts: Map<string, HubObject>;
  notes: Map<string, HubObject>;
}

interface SearchBody {
  filterGroups?: { filters?: { propertyName?: string; operator?: string; value?: string }[] }[];
  limit?: number;
}

export function registerHubSpotSim(
  app: FastifyInstance,
  ctx: { ledger: CrmLedger; faults: CrmFaults; accessToken: string },
): HubSpotSimState {
  const state: HubSpotSimState = { contacts: new Map(), notes: new Map() };
  const stores = { contacts: state.contacts, notes: state.notes } as const;
  const authorized = (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers.authorization === `Bearer ${ctx.accessToken}`) return true;
    reply.code(401).send({
      status: 'error',
      message: 'Authentication credentials not found.',
      category: 'INVALID_AUTHENTICATION',
    });
    return false;
  };

  app.post<{ Params: { type: string }; Body: SearchBody }>(
    '/hubspot/crm/v3/objects/:type/search',
    async (request, reply) => {
      if (!authorized(request, reply)) return reply;
      const store = stores[request.params.type as keyof typeof stores];
      if (!store) return reply.code(404).send({ status: 'error', message: 'unknown object type' });
      const filter = request.body?.filterGroups?.[0]?.filters?.[0];
      if (!filter?.propertyName || filter.operator !== 'EQ') {
        return reply.code(400).send({ status: 'error', category: 'VALIDATION_ERROR', message: 'bad filter' });
      }
      const results = [...store.values()].filter(
        (o) => o.properties[filter.propertyName as string] === filter.value,
      );
      return { total: results.length, results: results.slice(0, request.body.limit ?? 10) };
    },
  );

  app.post<{
    Params: { type: string };
    Body: { properties?: Record<string, string>; associations?: unknown };
  }>('/hubspot/crm/v3/objects/:type', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const store = stores[request.params.type as keyof typeof stores];
    if (!store) return reply.code(404).send({ status: 'error', message: 'unknown object type' });
    const properties = request.body?.properties;
    if (!properties || typeof properties !== 'object') {
      return reply
        .code(400)
        .send({ status: 'error', category: 'VALIDATION_ERROR', message: 'no properties' });
    }
    const now = new Date().toISOString();
    const id = ctx.ledger.nextId('');
    const object: HubObject = {
      id,
      properties,
      associations: request.body.associations,
      createdAt: now,
      updatedAt: now,
      archived: false,
    };
    store.set(id, object);
    const key = properties.switchboard_sync_key;
    const kind = request.params.type === 'notes' ? 'note' : 'contact';
    ctx.ledger.write({ vendor: 'hubspot', kind, key, id, body: request.body });
    if (ctx.faults.takeDrop(header(request, 'idempotency-key'))) return dropConnection(reply);
    return reply.code(201).send(object);
  });
  return state;
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The write is stored but the client never hears back (a crash or network cut after commit). */
export function dropConnection(reply: FastifyReply): FastifyReply {
  reply.hijack();
  reply.raw.socket?.destroy();
  return reply;
}
