import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig: post-call analysis and CRM', () => {
  it('uses the simulated CRM and no extra fields when nothing is set', () => {
    const config = loadConfig({});
    expect(config.crm).toMatchObject({
      adapters: 'simulated',
      retry: { initialIntervalMs: 1000, maximumIntervalMs: 60_000, giveUpAfterMs: 86_400_000 },
    });
    expect(config.postCall).toEqual({ analysisFields: [], maxAnswerAttempts: 3, model: undefined });
  });

  it('switches sync off with none, and reads every enabled adapter', () => {
    expect(loadConfig({ CRM_ADAPTERS: 'none' }).crm.adapters).toEqual([]);
    const config = loadConfig({
      CRM_ADAPTERS: 'webhook, Zoho,webhook',
      CRM_WEBHOOK_URL: 'https://crm.example.com/hooks/switchboard',
      CRM_WEBHOOK_SECRET: 'a-long-enough-secret',
      ZOHO_CLIENT_ID: 'id',
      ZOHO_CLIENT_SECRET: 'secret',
      ZOHO_REFRESH_TOKEN: 'refresh',
      ZOHO_ACCOUNTS_URL: 'https://accounts.zoho.eu',
      CRM_ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
    });
    expect(config.crm.adapters).toEqual(['webhook', 'zoho']);
    expect(config.crm.webhook).toEqual({
      url: 'https://crm.example.com/hooks/switchboard',
      secret: 'a-long-enough-secret',
    });
    expect(config.crm.zoho).toMatchObject({ clientId: 'id', accountsUrl: 'https://accounts.zoho.eu' });
    expect(config.crm.hubspot).toBeUndefined();
    expect(config.crm.alertWebhookUrl).toBe('https://hooks.slack.com/services/T/B/X');
  });

  it('parses the structured fields as JSON checked against their schema', () => {
    const fields = [
      { name: 'insurer', type: 'string', description: 'Insurance company', enum: ['Acme', 'Other'] },
    ];
    expect(loadConfig({ CALL_ANALYSIS_FIELDS: JSON.stringify(fields) }).postCall.analysisFields).toEqual(
      fields,
    );
  });

  it.each([
    [{ CRM_ADAPTERS: 'salesforce' }, 'CRM_ADAPTERS'],
    [{ CRM_ADAPTERS: 'none,webhook' }, 'CRM_ADAPTERS'],
    [
      { CRM_ADAPTERS: 'webhook' },
      'CRM_WEBHOOK_URL, CRM_WEBHOOK_SECRET: required when CRM_ADAPTERS includes webhook',
    ],
    [{ CRM_ADAPTERS: 'hubspot' }, 'HUBSPOT_ACCESS_TOKEN'],
    [{ CRM_ADAPTERS: 'zoho', ZOHO_CLIENT_ID: 'x' }, 'ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN'],
    [{ CRM_WEBHOOK_SECRET: 'short' }, 'CRM_WEBHOOK_SECRET'],
    [{ CRM_RETRY_INITIAL_MS: '5000', CRM_RETRY_MAX_MS: '1000' }, 'CRM_RETRY_MAX_MS'],
    [{ CALL_ANALYSIS_FIELDS: '[{"name":' }, 'CALL_ANALYSIS_FIELDS: must be JSON'],
    [
      { CALL_ANALYSIS_FIELDS: '[{"name":"summary","type":"string","description":"x"}]' },
      'CALL_ANALYSIS_FIELDS',
    ],
    [{ CALL_ANALYSIS_FIELDS: '[{"name":"a b","type":"string","description":"x"}]' }, 'CALL_ANALYSIS_FIELDS'],
    [{ CALL_ANALYSIS_MAX_ATTEMPTS: '0' }, 'CALL_ANALYSIS_MAX_ATTEMPTS'],
  ])('rejects %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
