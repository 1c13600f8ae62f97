import { afterEach, describe, expect, it } from 'vitest';
import { callAnalysisSchema } from '../../../src/domain/call-analysis.ts';
import { createLogger } from '../../../src/logger.ts';
import { createOpenAiCallAnalyzer } from '../../../src/providers/openai/call-analysis.ts';
import { type OpenAiSim, startOpenAiSim } from '../../../src/sim/openai/server.ts';

const logger = createLogger('silent');
let sim: OpenAiSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const fields = [{ name: 'insurer', type: 'string' as const, description: 'Insurance company named' }];
const request = {
  transcript: [
    { speaker: 'caller' as const, text: 'I want a cleaning on Tuesday.' },
    { speaker: 'agent' as const, text: 'Booked for Tuesday at 10.' },
  ],
  fields,
  context: { direction: 'inbound' as const, startedAt: '2026-11-20T15:00:00.000Z' },
};

describe('OpenAI call analyzer', () => {
  it('sends a strict json_schema request with the transcript and returns the answer text', async () => {
    sim = await startOpenAiSim({ script: [{ json: { hello: 'world' } }] });
    const analyzer = createOpenAiCallAnalyzer({
      apiKey: sim.apiKey,
      baseUrl: sim.url,
      model: 'gpt-4o-mini',
      logger,
    });
    const answer = await analyzer.analyze(request);
    expect(answer).toEqual({ content: '{"hello":"world"}' });
    const body = sim.requests[0]?.body as Record<string, unknown>;
    expect(body.stream).toBeUndefined();
    expect(body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'call_analysis', strict: true, schema: { additionalProperties: false } },
    });
    const schema = (
      body.response_format as { json_schema: { schema: { properties: Record<string, unknown> } } }
    ).json_schema.schema;
    expect(schema.properties.fields).toMatchObject({ required: ['insurer'] });
    expect(JSON.stringify(body.messages)).toContain('caller: I want a cleaning on Tuesday.');
  });

  it('gets a schema-valid answer from the unscripted simulator, and the previous error is fed back', async () => {
    sim = await startOpenAiSim();
    const analyzer = createOpenAiCallAnalyzer({
      apiKey: sim.apiKey,
      baseUrl: sim.url,
      model: 'gpt-4o-mini',
      logger,
    });
    const answer = await analyzer.analyze({ ...request, previousError: 'answer is not JSON' });
    const parsed = callAnalysisSchema(fields).safeParse(JSON.parse(answer.content ?? ''));
    expect(parsed.success).toBe(true);
    expect(JSON.stringify(sim.requests[0]?.body.messages)).toContain(
      'Your previous answer was rejected: answer is not JSON',
    );
  });

  it('surfaces a 429 as a retryable provider error and a 401 as a permanent one', async () => {
    sim = await startOpenAiSim({ script: [{ failure: { status: 429 } }] });
    const analyzer = createOpenAiCallAnalyzer({
      apiKey: sim.apiKey,
      baseUrl: sim.url,
      model: 'gpt-4o-mini',
      logger,
    });
    await expect(analyzer.analyze(request)).rejects.toMatchObject({ kind: 'rate-limit', retryable: true });
    const wrongKey = createOpenAiCallAnalyzer({
      apiKey: 'nope',
      baseUrl: sim.url,
      model: 'gpt-4o-mini',
      logger,
    });
    await expect(wrongKey.analyze(request)).rejects.toMatchObject({ kind: 'auth', retryable: false });
  });
});
