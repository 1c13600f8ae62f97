import { describe, expect, it } from 'vitest';
import { validateContacts } from '../../src/domain/campaign-contacts.ts';
import { readContactsCsv } from '../../src/domain/campaign-csv.ts';
import {
  afterAttempt,
  campaignSettingsSchema,
  DEFAULT_RETRY_RULES,
  issuesFromZod,
  settingsChangeSchema,
} from '../../src/domain/campaign-rules.ts';
import { CampaignValidationError } from '../../src/domain/errors.ts';

const settings = {
  name: 'Spring check-ins',
  agentId: '01900000-0000-7000-8000-000000000001',
  concurrencyLimit: 5,
  pacingPerMinute: 30,
  callerId: '+14155550100',
};

async function* text(s: string) {
  yield s;
}

describe('campaign rules', () => {
  it('fills defaults: 08:00–21:00 every day, busy after 10 min, no-answer after 4 h, 3 attempts', () => {
    const s = campaignSettingsSchema.parse(settings);
    expect(s.callingHours.sat).toEqual([['08:00', '21:00']]);
    expect(s.retryRules).toEqual({ maxAttempts: 3, retryAfterMs: { busy: 600_000, no_answer: 14_400_000 } });
  });

  it('refuses settings that cannot work, naming each field', () => {
    const r = campaignSettingsSchema.safeParse({
      ...settings,
      concurrencyLimit: 0,
      pacingPerMinute: 0,
      callingHours: { mon: [], tue: [] },
      callerId: '555-0100',
    });
    if (r.success) throw new Error('accepted impossible settings');
    const fields = issuesFromZod(r.error).map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining(['concurrencyLimit', 'pacingPerMinute', 'callingHours', 'callerId']),
    );
    expect(settingsChangeSchema.safeParse({}).success).toBe(false);
    expect(settingsChangeSchema.safeParse({ concurrencyLimit: 2, extra: 1 }).success).toBe(false);
    expect(settingsChangeSchema.safeParse({ callingHours: { mon: [['21:00', '08:00']] } }).success).toBe(
      false,
    );
  });

  it('decides the contact’s fate from each disposition', () => {
    const at = new Date('2027-01-01T12:00:00Z');
    expect(afterAttempt('answered', 1, DEFAULT_RETRY_RULES, at)).toEqual({ status: 'completed' });
    expect(afterAttempt('busy', 1, DEFAULT_RETRY_RULES, at)).toEqual({
      status: 'retry_scheduled',
      nextAttemptAt: new Date('2027-01-01T12:10:00Z'),
    });
    expect(afterAttempt('no_answer', 2, DEFAULT_RETRY_RULES, at).nextAttemptAt).toEqual(
      new Date('2027-01-01T16:00:00Z'),
    );
    expect(afterAttempt('busy', 3, DEFAULT_RETRY_RULES, at)).toEqual({ status: 'failed' });
    expect(afterAttempt('voicemail', 1, DEFAULT_RETRY_RULES, at)).toEqual({ status: 'completed' });
    expect(afterAttempt('do_not_call', 1, DEFAULT_RETRY_RULES, at)).toEqual({ status: 'skipped' });
    expect(afterAttempt('invalid_number', 1, DEFAULT_RETRY_RULES, at)).toEqual({ status: 'failed' });
  });

  it('reports each bad contact row by number and field, and repeated numbers', () => {
    const { contacts, issues } = validateContacts([
      { phone: '+14155552671', timeZone: 'America/Los_Angeles', variables: { first: 'Ann' } },
      { phone: 'not a number', timeZone: 'America/Los_Angeles' },
      { phone: '+14155552672', timeZone: 'Mars/Olympus_Mons' },
      { phone: '+1 415 555 2671', timeZone: 'UTC' },
      { phone: '+14155552673', timeZone: 'EST' },
      { phone: '+14155552674', timeZone: 'UTC', variables: { n: 3 } },
    ]);
    expect(contacts).toEqual([
      { row: 1, phone: '+14155552671', timeZone: 'America/Los_Angeles', variables: { first: 'Ann' } },
    ]);
    expect(issues).toEqual([
      { row: 2, field: 'phone', message: expect.stringMatching(/not a phone number/) },
      { row: 3, field: 'timeZone', message: 'unknown time zone "Mars/Olympus_Mons"' },
      { row: 4, field: 'phone', message: 'duplicate of row 1' },
      { row: 5, field: 'timeZone', message: 'not an IANA zone name: "EST"' },
      { row: 6, field: 'variables.n', message: 'variable values must be strings' },
    ]);
  });

  it('reads CSV uploads: header names the columns, other columns become variables, rows as a spreadsheet numbers them', async () => {
    const rows = [];
    for await (const r of readContactsCsv(
      text('Phone,first_name,time_zone\n+14155552671,Ann,America/Chicago\n\n"+14155552672","Bo, Jr.",UTC\n'),
    ))
      rows.push(r);
    expect(rows).toEqual([
      { row: 2, phone: '+14155552671', timeZone: 'America/Chicago', variables: { first_name: 'Ann' } },
      { row: 4, phone: '+14155552672', timeZone: 'UTC', variables: { first_name: 'Bo, Jr.' } },
    ]);
    const missing = (async () => {
      for await (const _ of readContactsCsv(text('number,name\n+14155552671,Ann\n'))) {
        // header is refused before any row
      }
    })();
    await expect(missing).rejects.toThrow(CampaignValidationError);
    await expect(missing).rejects.toMatchObject({
      issues: [{ row: 1, field: 'header', message: 'missing column "time_zone"' }],
    });
  });
});
