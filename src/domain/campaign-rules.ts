import { z } from 'zod';
import {
  type CallingHours,
  callingHoursSchema,
  DEFAULT_CALLING_HOURS,
  hasAnyWindow,
} from './calling-hours.ts';
import { lazySchema } from './lazy-schema.ts';

/**
 * What a campaign may be configured with, checked once at creation and again (same schema) for
 * every live settings change, so the workflow never runs with settings that cannot work.
 */

/** Temporal advises ≤ 500 concurrent operations per workflow; in-flight dials are pending children. */
export const MAX_CONCURRENCY = 500;
/** 1,000 dial starts a second is beyond any carrier's limits; higher is a typo. */
export const MAX_PACING_PER_MINUTE = 60_000;

/** Dispositions worth trying again later; the rest (answered, do-not-call, invalid) are final. */
export const RETRYABLE_DISPOSITIONS = ['busy', 'no_answer', 'voicemail', 'failed', 'canceled'] as const;
export type RetryableDisposition = (typeof RETRYABLE_DISPOSITIONS)[number];

const DAY_MS = 86_400_000;

export const retryRulesSchema = lazySchema(() =>
  z.object({
    /** Attempts per contact, the first one included. */
    maxAttempts: z.number().int().min(1).max(20),
    /** Delay after each disposition before the next attempt; an absent disposition is final. */
    retryAfterMs: z.partialRecord(
      z.enum(RETRYABLE_DISPOSITIONS),
      z
        .number()
        .int()
        .min(1000)
        .max(30 * DAY_MS),
    ),
  }),
);
export type RetryRules = z.infer<typeof retryRulesSchema>;

export const DEFAULT_RETRY_RULES: RetryRules = {
  maxAttempts: 3,
  retryAfterMs: { busy: 10 * 60_000, no_answer: 4 * 3600_000 },
};

const nonEmptyHours = lazySchema(() =>
  callingHoursSchema.refine(hasAnyWindow, 'calling hours need at least one window'),
);

export const concurrencySchema = lazySchema(() => z.number().int().min(1).max(MAX_CONCURRENCY));
export const pacingSchema = lazySchema(() => z.number().int().min(1).max(MAX_PACING_PER_MINUTE));

export const campaignSettingsSchema = lazySchema(() =>
  z.object({
    name: z.string().trim().min(1).max(200),
    agentId: z.uuid(),
    promptVariables: z.record(z.string(), z.string()).default({}),
    concurrencyLimit: concurrencySchema,
    pacingPerMinute: pacingSchema,
    callingHours: nonEmptyHours.default(DEFAULT_CALLING_HOURS),
    retryRules: retryRulesSchema.default(DEFAULT_RETRY_RULES),
    callerId: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number'),
  }),
);
export type CampaignSettingsInput = z.input<typeof campaignSettingsSchema>;
export type CampaignSettings = z.output<typeof campaignSettingsSchema>;

/** A live change: any subset, at least one field. */
export const settingsChangeSchema = lazySchema(() =>
  z
    .strictObject({
      concurrencyLimit: concurrencySchema.optional(),
      pacingPerMinute: pacingSchema.optional(),
      callingHours: nonEmptyHours.optional(),
    })
    .refine((c) => Object.keys(c).length > 0, 'change at least one setting'),
);

/** One problem with one field, of the settings (no row) or of a contact row. */
export interface CampaignIssue {
  /** 1-based contact row (a CSV's line-of-record number, header being row 1); absent for settings. */
  row?: number;
  field: string;
  message: string;
}

/** Turns a zod error into issues named by field path. */
export function issuesFromZod(error: z.ZodError, row?: number): CampaignIssue[] {
  return error.issues.map((i) => ({
    ...(row === undefined ? {} : { row }),
    field: i.path.map(String).join('.') || '(settings)',
    message: i.message,
  }));
}

/** Status and next attempt time of a contact after one attempt ended with `disposition`. */
export function afterAttempt(
  disposition: string,
  attempt: number,
  rules: RetryRules,
  at: Date,
): { status: 'completed' | 'failed' | 'skipped' | 'retry_scheduled'; nextAttemptAt?: Date } {
  if (disposition === 'answered') return { status: 'completed' };
  if (disposition === 'do_not_call') return { status: 'skipped' };
  const delayMs = rules.retryAfterMs[disposition as RetryableDisposition];
  if (delayMs !== undefined && attempt < rules.maxAttempts) {
    return { status: 'retry_scheduled', nextAttemptAt: new Date(at.getTime() + delayMs) };
  }
  // A voicemail that is not retried still reached the contact's line: the attempt did its job.
  return { status: disposition === 'voicemail' ? 'completed' : 'failed' };
}

export type { CallingHours };

/** What the campaign workflow runs with (carried across continue-as-new). */
export type CampaignRunSettings = Omit<CampaignSettings, 'name'>;
export type SettingsChange = z.infer<typeof settingsChangeSchema>;
