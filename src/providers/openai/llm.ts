import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import { ProviderError } from '../../domain/errors.ts';
import type { Logger } from '../../logger.ts';
import type { LanguageModel, LlmDelta, LlmRequest } from '../ports.ts';
import { toProviderError } from './errors.ts';
import { ToolCallAccumulator, toOpenAiMessages, toOpenAiTools } from './mapping.ts';
import { StreamWatchdog } from './watchdog.ts';

export interface OpenAiLlmOptions {
  apiKey: string;
  /** Any OpenAI-compatible server, e.g. `http://127.0.0.1:P/v1`; defaults to api.openai.com. */
  baseUrl?: string;
  model: string;
  logger: Logger;
  /** Longest silence from the server (before the response starts or between chunks). */
  timeoutMs?: number;
  /** Name in errors and logs; "openai" unless pointed at another compatible vendor. */
  name?: string;
  /** The HTTP transport under the SDK; Node's built-in fetch when left out. */
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;

type Usage = { promptTokens: number; completionTokens: number };

interface StreamContext {
  client: OpenAI;
  name: string;
  model: string;
  timeoutMs: number;
  logger: Logger;
}

/** Chat Completions streaming with tools through the official SDK. */
export function createOpenAiLlm(options: OpenAiLlmOptions): LanguageModel {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new OpenAI({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    // The call session decides what to do on failure; a silent SDK retry only adds dead air.
    maxRetries: 0,
    timeout: timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const name = options.name ?? 'openai';
  const logger = options.logger.child({ provider: name });
  const context: StreamContext = { client, name, model: options.model, timeoutMs, logger };
  return { name, stream: (request) => streamCompletion(context, request) };
}

function buildParams(context: StreamContext, request: LlmRequest): ChatCompletionCreateParamsStreaming {
  return {
    model: request.model ?? context.model,
    messages: toOpenAiMessages(request.messages),
    ...(request.tools && request.tools.length > 0 ? { tools: toOpenAiTools(request.tools) } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    stream: true,
    stream_options: { include_usage: true },
  };
}

async function* streamCompletion(context: StreamContext, request: LlmRequest): AsyncGenerator<LlmDelta> {
  const watchdog = new StreamWatchdog(context.timeoutMs, request.signal);
  const startedMs = Date.now();
  try {
    watchdog.arm();
    const stream = await context.client.chat.completions.create(buildParams(context, request), {
      signal: watchdog.signal,
    });
    watchdog.disarm();
    yield* readChunks(stream, watchdog, context.name);
    context.logger.debug({ elapsedMs: Date.now() - startedMs }, 'llm stream finished');
  } catch (error) {
    const failure = translate(context.name, error, watchdog);
    context.logger.debug({ kind: failure.kind, status: failure.status, err: error }, 'llm stream failed');
    throw failure;
  } finally {
    watchdog.dispose();
  }
}

function translate(name: string, error: unknown, watchdog: StreamWatchdog): ProviderError {
  if (watchdog.callerAborted) return new ProviderError(name, 'aborted', 'request aborted', { cause: error });
  if (watchdog.timedOut) {
    return new ProviderError(name, 'timeout', 'the server stopped sending data', { cause: error });
  }
  return toProviderError(name, error);
}

/**
 * Text goes out as soon as it arrives; tool calls once their arguments are complete; `done` last,
 * after the usage-only chunk that `include_usage` adds behind the finish chunk.
 */
async function* readChunks(
  stream: AsyncIterable<ChatCompletionChunk>,
  watchdog: StreamWatchdog,
  name: string,
): AsyncGenerator<LlmDelta> {
  const calls = new ToolCallAccumulator(() => `call_${randomUUID().replaceAll('-', '')}`);
  const iterator = stream[Symbol.asyncIterator]();
  let finishReason: string | undefined;
  let usage: Usage | undefined;
  try {
    for (;;) {
      watchdog.arm();
      const next = await iterator.next();
      watchdog.disarm();
      if (next.done) {
        watchdog.complete();
        break;
      }
      const chunk = next.value;
      if (chunk.usage) {
        usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
      const choice = chunk.choices.find((c) => c.index === 0);
      if (!choice) continue;
      yield* deltasOf(choice.delta, calls);
      if (choice.finish_reason) {
        finishReason = choice.finish_reason;
        for (const call of calls.flush()) yield { type: 'tool-call', call };
      }
    }
  } finally {
    // Stops the HTTP body when our consumer stopped early (the SDK aborts on return()).
    await iterator.return?.();
  }
  // The SDK ends quietly when its request is aborted; that is not a finished answer.
  if (watchdog.callerAborted || watchdog.timedOut) throw new Error('stream stopped');
  if (!finishReason) throw new ProviderError(name, 'protocol', 'stream ended without a finish_reason');
  yield usage ? { type: 'done', finishReason, usage } : { type: 'done', finishReason };
}

function* deltasOf(delta: ChatCompletionChunk.Choice.Delta, calls: ToolCallAccumulator): Generator<LlmDelta> {
  if (delta.content) yield { type: 'text', text: delta.content };
  // A refusal is what the model wants to say instead; on a phone call it must be spoken too.
  if (delta.refusal) yield { type: 'text', text: delta.refusal };
  for (const fragment of delta.tool_calls ?? []) {
    for (const call of calls.add(fragment)) yield { type: 'tool-call', call };
  }
}
