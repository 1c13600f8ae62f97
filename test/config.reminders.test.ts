import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig: reminders and housekeeping', () => {
  it('defaults to SMS 24 h and 2 h before, quiet 21:00-08:00, 90-day retention', () => {
    const config = loadConfig({});
    expect(config.reminders).toEqual({
      offsetsMs: [86_400_000, 7_200_000],
      quietHours: { start: '21:00', end: '08:00' },
      channel: 'sms',
      smsFrom: undefined,
      template: undefined,
    });
    expect(config.housekeeping).toEqual({
      retentionDays: 90,
      retentionPurgeCron: '15 3 * * *',
      crmReconciliationCron: '30 2 * * *',
      timeZone: 'UTC',
    });
  });

  it('reads offsets as durations, quiet hours as a local window or off', () => {
    const config = loadConfig({
      REMINDER_OFFSETS: '2d, 90m,30s',
      REMINDER_QUIET_HOURS: 'off',
      REMINDER_CHANNEL: 'call',
      REMINDER_SMS_FROM: '+14155550100',
      RETENTION_DAYS: '30',
      RETENTION_PURGE_CRON: '0 4 * * 1',
      HOUSEKEEPING_TIME_ZONE: 'Europe/Berlin',
    });
    expect(config.reminders).toMatchObject({
      offsetsMs: [172_800_000, 5_400_000, 30_000],
      quietHours: null,
      channel: 'call',
      smsFrom: '+14155550100',
    });
    expect(config.housekeeping).toMatchObject({
      retentionDays: 30,
      retentionPurgeCron: '0 4 * * 1',
      timeZone: 'Europe/Berlin',
    });
  });

  it.each([
    [{ REMINDER_OFFSETS: '24 hours' }, 'REMINDER_OFFSETS'],
    [{ REMINDER_OFFSETS: '0h' }, 'REMINDER_OFFSETS'],
    [{ REMINDER_QUIET_HOURS: '21-08' }, 'REMINDER_QUIET_HOURS'],
    [{ REMINDER_CHANNEL: 'email' }, 'REMINDER_CHANNEL'],
    [{ REMINDER_SMS_FROM: '4155550100' }, 'REMINDER_SMS_FROM'],
    [{ RETENTION_DAYS: '0' }, 'RETENTION_DAYS'],
    [{ RETENTION_PURGE_CRON: 'nightly' }, 'RETENTION_PURGE_CRON'],
    [{ CRM_RECONCILIATION_CRON: '* * *' }, 'CRM_RECONCILIATION_CRON'],
    [{ HOUSEKEEPING_TIME_ZONE: 'Mars/Olympus' }, 'HOUSEKEEPING_TIME_ZONE'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^invalid configuration: .*${variable}`));
  });
});
