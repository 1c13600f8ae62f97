/**
 * A SIMULATED CRM for tests, benchmarks and the no-keys install; it is no real CRM. One loopback
 * server speaks three dialects: the generic signed webhook (verifying Switchboard's signature
 * and deduplicating on Idempotency-Key, as the documented receiver recipe says), HubSpot's v3
 * objects API and Zoho's OAuth + upsert API, plus a Slack-compatible alert receiver. Failures
 * are injected through `faults`; every request and write is kept in `ledger`.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from '../../logger.ts';
import { verifyWebhookSignature } from '../../providers/crm/signature.ts';
import { type CrmFaultOptions, CrmFaults } from './faults.ts';
import { type HubSpotSimState, header, registerHubSpotSim } from './hubspot.ts';
import { CrmLedger, type RecordedCrmRequest } from './ledger.ts';
import { registerZohoSim, type ZohoSimOptions, type ZohoSimState } from './zoho.ts';

export interface CrmSimOptions {
  webhookSecret?: string;
  hubspotToken?: string;
  zoho?: Partial<ZohoSimOptions>;
  faults?: CrmFaultOptions;
  logger?: Logger;
  port?: number;
}

export interface CrmSim {
  readonly url: string;
  readonly webhookUrl: string;
  readonly webhookSecret: string;
  readonly hubspot: { baseUrl: string; accessToken: string; state: HubSpotSimState };
  readonly zoho: ZohoSimOptions & { accountsUrl: string; apiUrl: string; state: ZohoSimState };
  readonly alertUrl: string;
  readonly faults: CrmFaults;
  readonly ledger: CrmLedger;
  /** Webhook deliveries refused for a bad signature. */
  readonly signatureFailures: string[];
  close(): Promise<void>;
}

type RawRequest = FastifyRequest & { rawBody?: string; ledgerEntry?: RecordedCrmRequest };

export async function startCrmSim(options: CrmSimOptions = {}): Promise<CrmSim> {
  const ledger = new CrmLedger();
  const faults = new CrmFaults(options.faults);
  const webhookSecret = options.webhookSecret ?? 'sim-webhook-secret';
  const signatureFailures: string[] = [];
  const zoho: ZohoSimOptions = {
    clientId: 'sim-zoho-client',
    clientSecret: 'sim-zoho-secret',
    refreshToken: 'sim-zoho-refresh',
    tokenTtlSec: 3600,
    ...options.zoho,
  };
  const hubspotToken = options.hubspotToken ?? 'sim-hubspot-token';
  const app = Fastify({ logger: false, forceCloseConnections: true });
  keepRawJson(app);
  app.addHook('onRequest', async (request: RawRequest) => {
    const entry = {
      method: request.method,
      path: request.url.split('?')[0] ?? '',
      key: header(request, 'idempotency-key'),
      status: 0,
      atMs: Date.now(),
    };
    request.ledgerEntry = entry;
    if (!entry.path.startsWith('/alerts')) ledger.requests.push(entry);
  });
  app.addHook('onResponse', async (request: RawRequest, reply) => {
    if (request.ledgerEntry) request.ledgerEntry.status = reply.statusCode;
  });
  app.addHook('preHandler', async (request, reply) => {
    if (request.url.startsWith('/alerts')) return;
    if (await faults.apply(reply, header(request, 'idempotency-key'))) return reply;
  });

  const deliveries = new Map<string, string>();
  app.post('/webhook', async (request: RawRequest, reply) => {
    const check = verifyWebhookSignature({
      secret: webhookSecret,
      rawBody: request.rawBody ?? '',
      header: header(request, 'x-switchboard-signature'),
    });
    const key = header(request, 'idempotency-key');
    if (!check.ok) {
      signatureFailures.push(check.reason);
      return reply.code(401).send({ error: check.reason });
    }
    if (!key) return reply.code(400).send({ error: 'Idempotency-Key header is required' });
    const seen = deliveries.get(key);
    if (seen) return { id: seen, duplicate: true };
    const id = ledger.nextId('dlv_');
    deliveries.set(key, id);
    ledger.write({ vendor: 'webhook', kind: 'delivery', key, id, body: request.body });
    if (faults.takeDrop(key)) {
      reply.hijack();
      reply.raw.socket?.destroy();
      return reply;
    }
    return { id, duplicate: false };
  });
  app.post<{ Body: { text?: unknown } }>('/alerts', async (request, reply) => {
    if (typeof request.body?.text !== 'string') return reply.code(400).send('invalid_payload');
    ledger.alerts.push({ text: request.body.text, atMs: Date.now() });
    return reply.type('text/plain').send('ok');
  });
  const hubspotState = registerHubSpotSim(app, { ledger, faults, accessToken: hubspotToken });
  const zohoState = registerZohoSim(app, { ledger, faults, zoho });

  const url = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  options.logger?.info({ url }, 'simulated CRM listening');
  return {
    url,
    webhookUrl: `${url}/webhook`,
    webhookSecret,
    hubspot: { baseUrl: `${url}/hubspot`, accessToken: hubspotToken, state: hubspotState },
    zoho: { ...zoho, accountsUrl: `${url}/zoho-accounts`, apiUrl: `${url}/zoho`, state: zohoState },
    alertUrl: `${url}/alerts`,
    faults,
    ledger,
    signatureFailures,
    close: () => app.close(),
  };
}

/** The webhook signature covers the exact bytes sent, so the raw body is kept beside the parsed one. */
function keepRawJson(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    (request as RawRequest).rawBody = body as string;
    try {
      done(null, body === '' ? {} : JSON.parse(body as string));
    } catch (error) {
      (error as Error & { statusCode?: number }).statusCode = 400;
      done(error as Error, undefined);
    }
  });
}
