import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { callAnalysisJsonSchema } from '../../domain/call-analysis.ts';
import type { Logger } from '../../logger.ts';
import type { CallAnalysisRequest, CallAnalyzer } from '../ports.ts';
import { toProviderError } from './errors.ts';

export interface OpenAiCallAnalyzerOptions {
  apiKey: string;
  /** Any OpenAI-compatible server, e.g. `http://127.0.0.1:P/v1`; defaults to api.openai.com. */
  baseUrl?: string;
  model: string;
  logger: Logger;
  timeoutMs?: number;
}

// A whole call's transcript in, a few hundred tokens out: slower than a live turn is fine.
const DEFAULT_TIMEOUT_MS = 60_000;

const SYSTEM_PROMPT = [
  'You analyse phone calls between a caller and an AI receptionist for the business that runs it.',
  'Answer only with the JSON object the response format describes.',
  'The outcome is what the call achieved for the caller: booked, rescheduled or cancelled an',
  'appointment, got information only, asked to be called back, was transferred to a human, reached',
  'voicemail, got no answer, or failed (the call broke down). Action items are follow-ups the',
  'business owes the caller. Use null for a field the call did not mention; never invent values.',
].join(' ');

/**
 * Post-call analysis through Chat Completions with a strict `json_schema` response format.
 * Returns the model's text unvalidated: the caller validates it and decides whether to ask again.
 */
export function createOpenAiCallAnalyzer(options: OpenAiCallAnalyzerOptions): CallAnalyzer {
  const client = new OpenAI({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    // Temporal retries the activity with backoff; SDK retries inside it would only hide attempts.
    maxRetries: 0,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const logger = options.logger.child({ provider: 'openai', purpose: 'call-analysis' });
  return {
    name: 'openai',
    async analyze(request) {
      const startedMs = Date.now();
      try {
        const response = await client.chat.completions.create(buildParams(options.model, request), {
          signal: request.signal,
        });
        const message = response.choices[0]?.message;
        logger.debug({ elapsedMs: Date.now() - startedMs }, 'call analysis answered');
        if (message?.refusal) return { content: null, refusal: message.refusal };
        return { content: message?.content ?? null };
      } catch (error) {
        throw toProviderError('openai', error, request.signal);
      }
    },
  };
}

function buildParams(model: string, request: CallAnalysisRequest): ChatCompletionCreateParamsNonStreaming {
  const transcript = request.transcript.map((t) => `${t.speaker}: ${t.text}`).join('\n');
  const { context } = request;
  const header = `Direction: ${context.direction}. Started: ${context.startedAt}. Ended: ${context.endedAt ?? 'unknown'}.`;
  const messages: ChatCompletionCreateParamsNonStreaming['messages'] = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `${header}\n\nTranscript:\n${transcript || '(nothing was said)'}` },
  ];
  if (request.previousError) {
    messages.push({
      role: 'user',
      content: `Your previous answer was rejected: ${request.previousError}. Answer again, following the schema exactly.`,
    });
  }
  return {
    model: request.model ?? model,
    messages,
    temperature: 0,
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'call_analysis', strict: true, schema: callAnalysisJsonSchema(request.fields) },
    },
  };
}
