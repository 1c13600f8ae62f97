import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.ts';
import { type HealthRoutesOptions, healthRoutes } from '../platform/health-routes.ts';
import { type TwilioWebhookDeps, twilioWebhooks } from './twilio-webhooks.ts';

export interface RealtimeDeps extends HealthRoutesOptions {
  logger: Logger;
  /** Twilio's webhooks; absent on a node that only reports health (no telephony configured). */
  twilio?: TwilioWebhookDeps;
}

/** The realtime node: Twilio webhooks, the Media Streams socket (next), and health. */
export async function buildRealtime(deps: RealtimeDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: 64 * 1024 });
  await app.register(healthRoutes, { health: deps.health, readiness: deps.readiness });
  if (deps.twilio) {
    const twilio = deps.twilio;
    // Encapsulated: the signature check applies to the Twilio routes only, not to health.
    await app.register(async (scope) => {
      await scope.register(formbody);
      await scope.register(twilioWebhooks, twilio);
    });
  }
  return app;
}
