/**
 * Builds Chat Completions payloads the way api.openai.com shapes them, so the official SDK and
 * any client written against the real API parse simulated replies unchanged.
 */

export interface SimToolCall {
  name: string;
  /** JSON text, or an object to serialise. */
  arguments: string | Record<string, unknown>;
  /** Defaults to a generated `call_…` id. */
  id?: string;
}

export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export interface ResolvedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Reads "Hello, world." as ["Hello", ",", " world", "."]-like pieces: roughly one per token. */
export function tokenize(text: string): string[] {
  return text.match(/\s*[\p{L}\p{N}']+|\s*[^\s\p{L}\p{N}']|\s+$/gu) ?? [];
}

/** Tool arguments arrive in short pieces, as the real API streams them. */
export function fragment(text: string, size = 6): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function chunk(
  identity: CompletionIdentity,
  choices: unknown[],
  withUsage: boolean,
): Record<string, unknown> {
  return {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    system_fingerprint: 'fp_simulated',
    choices,
    ...(withUsage ? { usage: null } : {}),
  };
}

function choice(delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> {
  return { index: 0, delta, logprobs: null, finish_reason: finishReason };
}

/** Every SSE data payload of a streamed reply, in order (without the final `[DONE]`). */
export function streamChunks(
  identity: CompletionIdentity,
  reply: { text: string; toolCalls: ResolvedToolCall[]; finishReason: string; usage: Usage },
  includeUsage: boolean,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const push = (choices: unknown[]): number => out.push(chunk(identity, choices, includeUsage));
  const hasTools = reply.toolCalls.length > 0;
  push([choice({ role: 'assistant', content: hasTools && !reply.text ? null : '', refusal: null })]);
  for (const token of tokenize(reply.text)) push([choice({ content: token })]);
  reply.toolCalls.forEach((call, index) => {
    const opening = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
    push([choice({ tool_calls: [opening] })]);
    for (const piece of fragment(call.arguments)) {
      push([choice({ tool_calls: [{ index, function: { arguments: piece } }] })]);
    }
  });
  push([choice({}, reply.finishReason)]);
  if (includeUsage) out.push({ ...chunk(identity, [], false), usage: reply.usage });
  return out;
}

/** The non-streaming `chat.completion` object. */
export function completion(
  identity: CompletionIdentity,
  reply: { text: string; toolCalls: ResolvedToolCall[]; finishReason: string; usage: Usage },
): Record<string, unknown> {
  const toolCalls = reply.toolCalls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    system_fingerprint: 'fp_simulated',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text === '' && toolCalls.length > 0 ? null : reply.text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: reply.finishReason,
      },
    ],
    usage: reply.usage,
  };
}

/** OpenAI's error body: `{error: {message, type, param, code}}`. */
export function errorBody(message: string, type: string, code: string | null): Record<string, unknown> {
  return { error: { message, type, param: null, code } };
}
