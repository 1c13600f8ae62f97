import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../../../src/domain/errors.ts';
import { createLogger } from '../../../src/logger.ts';
import { createNodeFetch } from '../../../src/providers/http/node-fetch.ts';
import { createOpenAiLlm } from '../../../src/providers/openai/llm.ts';
import type { ChatMessage, LlmDelta, ToolDefinition } from '../../../src/providers/ports.ts';
import { type OpenAiSim, type OpenAiSimOptions, startOpenAiSim } from '../../../src/sim/openai/server.ts';

const logger = createLogger('silent');
const USER: ChatMessage[] = [
  { role: 'system', content: 'You book dental appointments.' },
  { role: 'user', content: 'Hi, I need an appointment.' },
];
const BOOK_TOOL: ToolDefinition = {
  name: 'book_appointment',
  description: 'Books a slot',
  parameters: { type: 'object', properties: { date: { type: 'string' } }, required: ['date'] },
};

let sim: OpenAiSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The transport under test: the built-in fetch, or the node:http one the live-call path uses. */
let transport: typeof fetch | undefined;

async function setup(options: OpenAiSimOptions, apiKey?: string, timeoutMs?: number) {
  sim = await startOpenAiSim(options);
  const llm = createOpenAiLlm({
    apiKey: apiKey ?? sim.apiKey,
    baseUrl: sim.url,
    model: 'gpt-4o-mini',
    logger,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(transport ? { fetch: transport } : {}),
  });
  return { sim, llm };
}

async function collect(stream: AsyncIterable<LlmDelta>, onDelta?: (delta: LlmDelta) => void) {
  const deltas: LlmDelta[] = [];
  try {
    for await (const delta of stream) {
      deltas.push(delta);
      onDelta?.(delta);
    }
    return { deltas, error: undefined };
  } catch (error) {
    return { deltas, error };
  }
}

const texts = (deltas: LlmDelta[]) => deltas.flatMap((d) => (d.type === 'text' ? [d.text] : []));
const calls = (deltas: LlmDelta[]) => deltas.flatMap((d) => (d.type === 'tool-call' ? [d.call] : []));

describe.each([
  ['built-in fetch', undefined],
  ['node:http transport', createNodeFetch()],
])('OpenAI LLM adapter against the simulated server (%s)', (_name, fetch) => {
  beforeEach(() => {
    transport = fetch;
  });

  it('streams text deltas in order, then done with finish reason and usage', async () => {
    const sentence = 'Sure, I can help you with that. What day works best for you?';
    const { sim, llm } = await setup({ script: [{ text: sentence }], interTokenDelayMs: 2 });
    const { deltas, error } = await collect(llm.stream({ messages: USER }));
    expect(error).toBeUndefined();
    expect(texts(deltas).length).toBeGreaterThan(5);
    expect(texts(deltas).join('')).toBe(sentence);
    const last = deltas.at(-1);
    expect(last).toMatchObject({ type: 'done', finishReason: 'stop' });
    expect(last?.type === 'done' && last.usage?.completionTokens).toBeGreaterThan(0);
    const sent = sim.requests[0]?.body;
    expect(sent).toMatchObject({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(sent?.messages).toEqual([
      { role: 'system', content: 'You book dental appointments.' },
      { role: 'user', content: 'Hi, I need an appointment.' },
    ]);
  });

  it('yields a tool call streamed in fragments once, with complete JSON and the vendor id', async () => {
    const args = { date: '2026-03-01', time: '10:30', patient: 'Ana María' };
    const { sim, llm } = await setup({
      script: [
        {
          text: 'One moment.',
          toolCalls: [
            { id: 'call_abc123', name: 'book_appointment', arguments: args },
            { id: 'call_def456', name: 'send_sms', arguments: {} },
          ],
        },
      ],
    });
    const { deltas, error } = await collect(llm.stream({ messages: USER, tools: [BOOK_TOOL] }));
    expect(error).toBeUndefined();
    expect(calls(deltas)).toHaveLength(2);
    const [first, second] = calls(deltas);
    expect(first).toMatchObject({ id: 'call_abc123', name: 'book_appointment' });
    expect(JSON.parse(first?.argumentsJson ?? '')).toEqual(args);
    expect(second).toEqual({ id: 'call_def456', name: 'send_sms', argumentsJson: '{}' });
    expect(deltas.at(-1)).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
    expect(sim.requests[0]?.body.tools).toEqual([
      {
        type: 'function',
        function: { name: 'book_appointment', description: 'Books a slot', parameters: BOOK_TOOL.parameters },
      },
    ]);
  });

  it('sends the assistant tool calls and the tool results back on the follow-up turn', async () => {
    const { sim, llm } = await setup({ script: [{ text: 'You are booked for March first.' }] });
    const call = { id: 'call_abc123', name: 'book_appointment', argumentsJson: '{"date":"2026-03-01"}' };
    const messages: ChatMessage[] = [
      ...USER,
      { role: 'assistant', content: '', toolCalls: [call] },
      { role: 'tool', toolCallId: 'call_abc123', content: '{"ok":true}' },
    ];
    const { error } = await collect(llm.stream({ messages, tools: [BOOK_TOOL] }));
    expect(error).toBeUndefined();
    expect(sim.requests[0]?.body.messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_abc123',
            type: 'function',
            function: { name: 'book_appointment', arguments: '{"date":"2026-03-01"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_abc123', content: '{"ok":true}' },
    ]);
  });

  it('stops promptly on abort, reports aborted, and the server sees the connection closed', async () => {
    const long = 'word '.repeat(400);
    const { sim, llm } = await setup({ script: [{ text: long }], interTokenDelayMs: 50 });
    const controller = new AbortController();
    const startedMs = Date.now();
    const { deltas, error } = await collect(
      llm.stream({ messages: USER, signal: controller.signal }),
      (d) => {
        if (d.type === 'text') controller.abort();
      },
    );
    // 400 tokens at 50 ms would take 20 s; stopping well before that is the point.
    expect(Date.now() - startedMs).toBeLessThan(10_000);
    expect(texts(deltas).length).toBeLessThan(50);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).kind).toBe('aborted');
    await vi.waitFor(() => expect(sim.requests[0]?.clientClosedEarly).toBe(true), { timeout: 10_000 });
  });

  it.each([
    [401, 'auth', { apiKey: 'wrong-key' }],
    [500, 'unavailable', { failure: { status: 500 } }],
    [429, 'rate-limit', { failure: { status: 429 } }],
    [400, 'bad-request', { failure: { status: 400, message: 'bad tool schema' } }],
  ] as const)('maps HTTP %i to %s', async (status, kind, setupCase) => {
    const failure = 'failure' in setupCase ? [{ failure: setupCase.failure }] : [];
    const { llm } = await setup({ script: failure }, 'apiKey' in setupCase ? setupCase.apiKey : undefined);
    const { error } = await collect(llm.stream({ messages: USER }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind, status, provider: 'openai' });
  });

  it('reports a connection dropped mid-stream as unavailable', async () => {
    const { llm } = await setup({ script: [{ text: 'a b c d e f g h', failure: { dropAfterChunks: 3 } }] });
    const { deltas, error } = await collect(llm.stream({ messages: USER }));
    expect(texts(deltas).length).toBeGreaterThan(0);
    expect(error).toMatchObject({ kind: 'unavailable', retryable: true });
  });

  it('reports a server that stalls mid-stream as timeout', async () => {
    const { sim, llm } = await setup(
      { script: [{ text: 'a b c d e f', failure: { stallAfterChunks: 2 } }] },
      undefined,
      500,
    );
    const { error } = await collect(llm.stream({ messages: USER }));
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    await vi.waitFor(() => expect(sim.requests[0]?.clientClosedEarly).toBe(true), { timeout: 10_000 });
  });
});
