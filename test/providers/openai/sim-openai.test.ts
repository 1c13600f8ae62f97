import { afterEach, describe, expect, it } from 'vitest';
import { type OpenAiSim, startOpenAiSim } from '../../../src/sim/openai/server.ts';

let sim: OpenAiSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('simulated OpenAI server', () => {
  it('lists models and answers a non-streaming completion with tool calls, checking the bearer key', async () => {
    sim = await startOpenAiSim({
      script: [{ toolCalls: [{ id: 'call_1', name: 'end_call', arguments: {} }] }],
    });
    const auth = { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' };
    const models = await fetch(`${sim.url}/models`, { headers: auth });
    expect(((await models.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);

    const denied = await fetch(`${sim.url}/models`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ error: { type: 'invalid_request_error' } });

    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'bye' }] });
    const response = await fetch(`${sim.url}/chat/completions`, { method: 'POST', headers: auth, body });
    expect(await response.json()).toMatchObject({
      object: 'chat.completion',
      choices: [
        {
          finish_reason: 'tool_calls',
          message: {
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'end_call', arguments: '{}' } }],
          },
        },
      ],
    });
  });

  it('streams SSE chunks ending in [DONE], with a usage chunk when asked', async () => {
    sim = await startOpenAiSim({ script: [{ text: 'Hi there.' }] });
    const body = JSON.stringify({
      model: 'm',
      messages: [],
      stream: true,
      stream_options: { include_usage: true },
    });
    const response = await fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
      body,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toBe('data: [DONE]');
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.replace(/^data: /, '')));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: expect.any(Number) } });
    expect(chunks.at(-2).choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
  });

  it("records the vendor's whole time per reply: arrival to first token, injected delay included", async () => {
    sim = await startOpenAiSim({ script: [{ text: 'One.' }, { text: 'Two.' }], firstTokenDelayMs: 30 });
    const headers = { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' };
    for (const stream of [true, false]) {
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream });
      await (await fetch(`${sim.url}/chat/completions`, { method: 'POST', headers, body })).text();
    }
    for (const record of sim.requests) {
      expect(record.firstTokenDelayActualMs).toBeGreaterThanOrEqual(29);
      // The wait is part of the vendor's time, which also covers the handling before it.
      expect(record.firstTokenAfterArrivalMs).toBeGreaterThanOrEqual(
        record.firstTokenDelayActualMs as number,
      );
    }
  });
});
