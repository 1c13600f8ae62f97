import type { CrmSettings } from '../activities/crm-activities.ts';
import type { CrmConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createHubSpotCrm } from '../providers/crm/hubspot.ts';
import { createWebhookCrm } from '../providers/crm/webhook.ts';
import { createZohoCrm } from '../providers/crm/zoho.ts';
import type { Crm } from '../providers/ports.ts';
import { createWebhookAlerter } from '../providers/slack/webhook-alert.ts';
import { startCrmSim } from '../sim/crm/server.ts';

export interface CrmVendors {
  settings: CrmSettings;
  /** Set when the simulated CRM stands in for a real one. */
  simulated: boolean;
  stop(): Promise<void>;
}

/**
 * The CRMs a deployment writes to. Nothing configured (CRM_ADAPTERS unset) means the simulated
 * CRM on loopback behind the real webhook adapter, so a fresh install exercises the whole sync
 * path and shows it in the ledger; `CRM_ADAPTERS=none` switches sync off.
 */
export async function provideCrmVendors(config: CrmConfig, logger: Logger): Promise<CrmVendors> {
  const log = (name: string) => logger.child({ component: name });
  if (config.adapters === 'simulated') {
    const sim = await startCrmSim({ logger: log('sim-crm') });
    const adapters = [
      createWebhookCrm({ url: sim.webhookUrl, secret: sim.webhookSecret, logger: log('crm') }),
    ];
    const alertUrl = config.alertWebhookUrl ?? sim.alertUrl;
    return {
      settings: {
        adapters,
        alerter: createWebhookAlerter({ url: alertUrl, logger: log('alerts') }),
        retry: config.retry,
      },
      simulated: true,
      stop: () => sim.close(),
    };
  }
  const adapters: Crm[] = [];
  if (config.webhook) adapters.push(createWebhookCrm({ ...config.webhook, logger: log('crm') }));
  if (config.hubspot) adapters.push(createHubSpotCrm({ ...config.hubspot, logger: log('crm') }));
  if (config.zoho) adapters.push(createZohoCrm({ ...config.zoho, logger: log('crm') }));
  const alerter = config.alertWebhookUrl
    ? createWebhookAlerter({ url: config.alertWebhookUrl, logger: log('alerts') })
    : undefined;
  return { settings: { adapters, alerter, retry: config.retry }, simulated: false, stop: async () => {} };
}
