import type { Logger } from '../../logger.ts';
import { crmFetch } from '../crm/http.ts';
import type { Alerter } from '../ports.ts';

/** Posts `{text}` to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat, ...). */
export function createWebhookAlerter(options: { url: string; logger: Logger; timeoutMs?: number }): Alerter {
  return {
    async send(text) {
      await crmFetch({
        crm: 'alert-webhook',
        method: 'POST',
        url: options.url,
        body: { text },
        timeoutMs: options.timeoutMs ?? 10_000,
      });
      options.logger.debug('alert sent');
    },
  };
}
