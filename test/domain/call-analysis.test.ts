import { describe, expect, it } from 'vitest';
import {
  callAnalysisJsonSchema,
  callAnalysisSchema,
  outcomeFromCall,
} from '../../src/domain/call-analysis.ts';
import { exampleFromSchema } from '../../src/sim/openai/structured.ts';

const fields = [
  { name: 'insurer', type: 'string' as const, description: 'Insurer', enum: ['Acme', 'Other'] },
  { name: 'partySize', type: 'number' as const, description: 'People' },
];
const answer = {
  summary: 'Booked.',
  sentiment: 'neutral',
  outcome: 'booked',
  actionItems: [],
  fields: { insurer: 'Acme', partySize: null },
};

describe('call analysis schema', () => {
  it('accepts a complete answer and rejects missing, extra or out-of-set values', () => {
    const schema = callAnalysisSchema(fields);
    expect(schema.safeParse(answer).success).toBe(true);
    expect(schema.safeParse({ ...answer, outcome: 'sold' }).success).toBe(false);
    expect(schema.safeParse({ ...answer, fields: { insurer: 'Acme' } }).success).toBe(false);
    expect(schema.safeParse({ ...answer, fields: { ...answer.fields, insurer: 'Nobody' } }).success).toBe(
      false,
    );
    expect(schema.safeParse({ ...answer, extra: 1 }).success).toBe(false);
    expect(schema.safeParse({ ...answer, summary: '  ' }).success).toBe(false);
  });

  it('describes the same shape as strict JSON Schema: the minimal instance of one passes the other', () => {
    const json = callAnalysisJsonSchema(fields);
    expect(json).toMatchObject({
      additionalProperties: false,
      properties: { fields: { required: ['insurer', 'partySize'] } },
    });
    const example = exampleFromSchema(json, { summary: 'x' });
    expect(callAnalysisSchema(fields).safeParse(example).success).toBe(true);
  });

  it('maps the call workflow outcome spelling into the analysis vocabulary', () => {
    expect(outcomeFromCall('info-only')).toBe('info_only');
    expect(outcomeFromCall('no-answer')).toBe('no_answer');
    expect(outcomeFromCall('busy')).toBe('no_answer');
    expect(outcomeFromCall('booked')).toBe('booked');
    expect(outcomeFromCall(null)).toBe('failed');
  });
});
