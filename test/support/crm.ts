import type { CrmSettings } from '../../src/activities/crm-activities.ts';
import { createLogger } from '../../src/logger.ts';
import { createHubSpotCrm } from '../../src/providers/crm/hubspot.ts';
import { createWebhookCrm } from '../../src/providers/crm/webhook.ts';
import { createWebhookAlerter } from '../../src/providers/slack/webhook-alert.ts';
import type { CrmSim } from '../../src/sim/crm/server.ts';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** Activity CRM settings pointing the real adapters at a simulated CRM, with test-sized retries. */
export function simCrmSettings(
  sim: CrmSim,
  options: {
    adapters?: ('webhook' | 'hubspot')[];
    initialIntervalMs?: number;
    maximumIntervalMs?: number;
    giveUpAfterMs?: number;
    attemptTimeoutMs?: number;
    alertUrl?: string;
  } = {},
): CrmSettings {
  const wanted = options.adapters ?? ['webhook'];
  return {
    adapters: wanted.map((name) =>
      name === 'webhook'
        ? createWebhookCrm({ url: sim.webhookUrl, secret: sim.webhookSecret, logger })
        : createHubSpotCrm({ accessToken: sim.hubspot.accessToken, baseUrl: sim.hubspot.baseUrl, logger }),
    ),
    alerter: createWebhookAlerter({ url: options.alertUrl ?? sim.alertUrl, logger }),
    retry: {
      initialIntervalMs: options.initialIntervalMs ?? 200,
      maximumIntervalMs: options.maximumIntervalMs ?? 1000,
      giveUpAfterMs: options.giveUpAfterMs ?? 10 * 60_000,
      attemptTimeoutMs: options.attemptTimeoutMs,
    },
  };
}
