import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CrmFaults } from './faults.ts';
import { dropConnection, header } from './hubspot.ts';
import type { CrmLedger } from './ledger.ts';

/**
 * SIMULATED Zoho CRM: the accounts server's refresh-token grant (access tokens that expire after
 * `tokenTtlSec`, answered 401 INVALID_TOKEN afterwards) and the v2 `upsert` API on
 * `duplicate_check_fields`, which inserts once and updates thereafter, as Zoho does.
 */
export interface ZohoSimOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenTtlSec: number;
}

export interface ZohoSimState {
  modules: Map<string, Map<string, Record<string, unknown>>>;
  tokensIssued: number;
  /** Makes every issued access token invalid at once (Zoho revoking or expiring them early). */
  expireTokens(): void;
}

interface UpsertBody {
  data?: Record<string, unknown>[];
  duplicate_check_fields?: string[];
}

export function registerZohoSim(
  app: FastifyInstance,
  ctx: { ledger: CrmLedger; faults: CrmFaults; zoho: ZohoSimOptions },
): ZohoSimState {
  const tokens = new Map<string, number>();
  const state: ZohoSimState = {
    modules: new Map(),
    tokensIssued: 0,
    expireTokens: () => tokens.clear(),
  };

  app.post<{ Querystring: Record<string, string> }>('/zoho-accounts/oauth/v2/token', async (request) => {
    const q = request.query;
    const z = ctx.zoho;
    // Zoho answers a bad grant with HTTP 200 and an `error` field.
    if (q.grant_type !== 'refresh_token') return { error: 'unsupported_grant_type' };
    if (q.client_id !== z.clientId || q.client_secret !== z.clientSecret) return { error: 'invalid_client' };
    if (q.refresh_token !== z.refreshToken) return { error: 'invalid_code' };
    const token = `1000.${randomBytes(16).toString('hex')}`;
    tokens.set(token, Date.now() + z.tokenTtlSec * 1000);
    state.tokensIssued += 1;
    return { access_token: token, expires_in: z.tokenTtlSec, api_domain: 'simulated', token_type: 'Bearer' };
  });

  app.post<{ Params: { module: string }; Body: UpsertBody }>(
    '/zoho/crm/v2/:module/upsert',
    async (request, reply) => {
      if (!tokenValid(request, tokens)) {
        return reply
          .code(401)
          .send({ code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' });
      }
      const row = request.body?.data?.[0];
      const field = request.body?.duplicate_check_fields?.[0];
      if (!row || !field || row[field] === undefined) {
        const details = { api_name: field ?? 'duplicate_check_fields' };
        return {
          data: [
            { code: 'MANDATORY_NOT_FOUND', details, message: 'required field not found', status: 'error' },
          ],
        };
      }
      const module = request.params.module;
      const records = state.modules.get(module) ?? new Map<string, Record<string, unknown>>();
      state.modules.set(module, records);
      const existing = [...records.values()].find((r) => r[field] === row[field]);
      const id = (existing?.id as string | undefined) ?? ctx.ledger.nextId('5725767000000');
      records.set(id, { ...existing, ...row, id });
      const action = existing ? 'update' : 'insert';
      const key = typeof row.Switchboard_Key === 'string' ? row.Switchboard_Key : undefined;
      const kind = module === 'Calls' ? 'call' : 'contact';
      ctx.ledger.write({ vendor: 'zoho', kind: existing ? `${kind}-update` : kind, key, id, body: row });
      if (ctx.faults.takeDrop(header(request, 'idempotency-key'))) return dropConnection(reply);
      const now = new Date().toISOString();
      return reply.code(existing ? 200 : 201).send({
        data: [
          {
            code: 'SUCCESS',
            duplicate_field: existing ? field : null,
            action,
            status: 'success',
            message: `record ${action === 'insert' ? 'added' : 'updated'}`,
            details: { id, Modified_Time: now, Created_Time: now },
          },
        ],
      });
    },
  );
  return state;
}

function tokenValid(request: FastifyRequest, tokens: Map<string, number>): boolean {
  const auth = header(request, 'authorization') ?? '';
  const token = auth.startsWith('Zoho-oauthtoken ') ? auth.slice('Zoho-oauthtoken '.length) : '';
  const expiresAt = tokens.get(token);
  return expiresAt !== undefined && Date.now() < expiresAt;
}
