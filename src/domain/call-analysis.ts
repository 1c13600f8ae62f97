import { z } from 'zod';

/**
 * What post-call analysis produces, defined once: the zod schema that validates the model's
 * answer and the JSON Schema sent as the structured-output format are built from the same
 * field list, so they cannot drift apart.
 */

/** The business outcome of a call. Snake case, like the database's enums and the search attribute. */
export const CALL_OUTCOMES = [
  'booked',
  'rescheduled',
  'cancelled',
  'info_only',
  'callback_requested',
  'transferred',
  'voicemail',
  'no_answer',
  'failed',
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export const SENTIMENTS = ['positive', 'neutral', 'negative', 'mixed'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

/**
 * The call workflow's own outcome (from tools and telephony, spelled as Twilio does) in the
 * analysis vocabulary: what a call is filed under when its analysis failed.
 */
export function outcomeFromCall(callOutcome: string | null | undefined): CallOutcome {
  const spelled = (callOutcome ?? '').replaceAll('-', '_');
  if ((CALL_OUTCOMES as readonly string[]).includes(spelled)) return spelled as CallOutcome;
  if (spelled === 'busy' || spelled === 'canceled') return 'no_answer';
  return spelled === 'completed' ? 'info_only' : 'failed';
}

/** An extra field the deployment wants extracted from every call (e.g. `insurer`, `partySize`). */
export const analysisFieldSpec = z.strictObject({
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, 'must be an identifier'),
  type: z.enum(['string', 'number', 'boolean']),
  description: z.string().min(1).max(500),
  /** For string fields: the only values allowed. */
  enum: z.array(z.string().min(1)).min(1).optional(),
});
export type AnalysisFieldSpec = z.infer<typeof analysisFieldSpec>;

const RESERVED_FIELD_NAMES = new Set(['summary', 'sentiment', 'outcome', 'actionItems', 'fields']);

export const analysisFieldSpecs = z
  .array(analysisFieldSpec)
  .max(30)
  .refine((specs) => new Set(specs.map((s) => s.name)).size === specs.length, 'field names must be unique')
  .refine((specs) => specs.every((s) => !RESERVED_FIELD_NAMES.has(s.name)), 'a field name is reserved');

export type StructuredValue = string | number | boolean | null;

export interface CallAnalysis {
  summary: string;
  sentiment: Sentiment;
  outcome: CallOutcome;
  actionItems: string[];
  /** One entry per configured field; null when the call did not say. */
  fields: Record<string, StructuredValue>;
}

function fieldSchema(spec: AnalysisFieldSpec): z.ZodType<StructuredValue> {
  if (spec.type === 'number') return z.number().nullable();
  if (spec.type === 'boolean') return z.boolean().nullable();
  if (spec.enum) return z.enum(spec.enum as [string, ...string[]]).nullable();
  return z.string().max(2000).nullable();
}

/** Validates the model's answer. Strict: an unexpected key means the model ignored the format. */
export function callAnalysisSchema(specs: AnalysisFieldSpec[]): z.ZodType<CallAnalysis> {
  const fields = Object.fromEntries(specs.map((s) => [s.name, fieldSchema(s)]));
  return z.strictObject({
    summary: z.string().trim().min(1).max(4000),
    sentiment: z.enum(SENTIMENTS),
    outcome: z.enum(CALL_OUTCOMES),
    actionItems: z.array(z.string().trim().min(1).max(500)).max(20),
    fields: z.strictObject(fields),
  }) as z.ZodType<CallAnalysis>;
}

function fieldJsonSchema(spec: AnalysisFieldSpec): Record<string, unknown> {
  const type = [spec.type, 'null'];
  if (spec.enum) return { type, enum: [...spec.enum, null], description: spec.description };
  return { type, description: spec.description };
}

/**
 * The same shape as JSON Schema, in the subset OpenAI's strict structured outputs accept: every
 * property required, no additional properties, optional values expressed as nullable.
 */
export function callAnalysisJsonSchema(specs: AnalysisFieldSpec[]): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['summary', 'sentiment', 'outcome', 'actionItems', 'fields'],
    properties: {
      summary: { type: 'string', description: 'Two to four sentences on what the call was about.' },
      sentiment: { type: 'string', enum: [...SENTIMENTS], description: "The caller's overall sentiment." },
      outcome: { type: 'string', enum: [...CALL_OUTCOMES], description: 'What the call achieved.' },
      actionItems: {
        type: 'array',
        items: { type: 'string' },
        description: 'Follow-ups the business owes the caller; empty when none.',
      },
      fields: {
        type: 'object',
        additionalProperties: false,
        required: specs.map((s) => s.name),
        properties: Object.fromEntries(specs.map((s) => [s.name, fieldJsonSchema(s)])),
      },
    },
  };
}

/** The result of one analysis attempt series: an answer, or why none could be had. */
export type AnalysisResult = { ok: true; analysis: CallAnalysis } | { ok: false; reason: string };
