import type {
  ChatCompletionChunk,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatMessage, ToolCall, ToolDefinition } from '../ports.ts';

/** Our chat history in Chat Completions shape; tool results keep the vendor's call ids. */
export function toOpenAiMessages(messages: ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((message): ChatCompletionMessageParam => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'tool':
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
      default:
        return toAssistantMessage(message.content, message.toolCalls);
    }
  });
}

function toAssistantMessage(content: string, toolCalls: ToolCall[] | undefined): ChatCompletionMessageParam {
  if (!toolCalls || toolCalls.length === 0) return { role: 'assistant', content };
  return {
    role: 'assistant',
    // The API wants null rather than "" when the turn was only tool calls.
    content: content === '' ? null : content,
    tool_calls: toolCalls.map((call) => ({
      id: call.id,
      type: 'function' as const,
      function: { name: call.name, arguments: call.argumentsJson },
    })),
  };
}

export function toOpenAiTools(tools: ToolDefinition[]): ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

type ToolCallFragment = NonNullable<ChatCompletionChunk.Choice.Delta['tool_calls']>[number];

interface PartialCall {
  index: number;
  id: string;
  name: string;
  args: string;
}

/**
 * Gathers streamed tool-call fragments. The first fragment of a call carries its id and name,
 * later ones only `index` plus a piece of the arguments string; a call is complete once a
 * higher index starts or the stream finishes.
 */
export class ToolCallAccumulator {
  private readonly pending = new Map<number, PartialCall>();

  constructor(private readonly makeId: () => string) {}

  /** Adds one fragment; returns calls that are now complete because a later index started. */
  add(fragment: ToolCallFragment): ToolCall[] {
    const completed: ToolCall[] = [];
    let call = this.pending.get(fragment.index);
    if (!call) {
      for (const index of [...this.pending.keys()].sort((a, b) => a - b)) {
        if (index < fragment.index) completed.push(this.take(index));
      }
      call = { index: fragment.index, id: '', name: '', args: '' };
      this.pending.set(fragment.index, call);
    }
    if (fragment.id) call.id = fragment.id;
    if (fragment.function?.name) call.name += fragment.function.name;
    if (fragment.function?.arguments) call.args += fragment.function.arguments;
    return completed;
  }

  /** Everything still open, in index order (the stream finished). */
  flush(): ToolCall[] {
    return [...this.pending.keys()].sort((a, b) => a - b).map((index) => this.take(index));
  }

  private take(index: number): ToolCall {
    const call = this.pending.get(index) as PartialCall;
    this.pending.delete(index);
    return {
      // Some OpenAI-compatible servers omit ids; the id is an idempotency key, so invent a unique one.
      id: call.id || this.makeId(),
      name: call.name,
      // A no-argument call may stream no arguments at all; "" is not JSON, "{}" is what it means.
      argumentsJson: call.args.trim() === '' ? '{}' : call.args,
    };
  }
}
