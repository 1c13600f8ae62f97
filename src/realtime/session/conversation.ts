/**
 * The chat history sent to the LLM on each turn. Bounded, because a long call must not grow the
 * prompt (and the latency) without limit; and honest, because an assistant message is revised
 * down to what the caller actually heard when a reply is cut (pipecat#5305: unheard text in the
 * context makes the model believe it said things it did not).
 */
import type { ChatMessage, ToolCall } from '../../providers/ports.ts';

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

/** A handle on one assistant message, to revise it once we know what was heard. */
export interface AssistantRef {
  readonly message: AssistantMessage;
}

export interface Conversation {
  addUser(text: string): void;
  addAssistant(text: string, toolCalls?: ToolCall[]): AssistantRef;
  addToolResult(toolCallId: string, content: string): void;
  /** Replaces the message's text with what was heard; drops it if nothing is left of it. */
  revise(ref: AssistantRef, heardText: string): void;
  /** System prompt plus the most recent messages. */
  messages(): ChatMessage[];
}

export function createConversation(systemPrompt: string, maxHistoryMessages: number): Conversation {
  const history: ChatMessage[] = [];

  function trim(): void {
    while (history.length > maxHistoryMessages) {
      history.shift();
      // Never start on a tool result or a reply: its tool call or its question would be missing.
      while (history.length > 0 && history[0]?.role !== 'user') history.shift();
    }
  }

  return {
    addUser(text) {
      history.push({ role: 'user', content: text });
      trim();
    },
    addAssistant(text, toolCalls) {
      const message: AssistantMessage =
        toolCalls && toolCalls.length > 0
          ? { role: 'assistant', content: text, toolCalls }
          : { role: 'assistant', content: text };
      history.push(message);
      trim();
      return { message };
    },
    addToolResult(toolCallId, content) {
      history.push({ role: 'tool', toolCallId, content });
      trim();
    },
    revise(ref, heardText) {
      ref.message.content = heardText;
      if (heardText || ref.message.toolCalls) return;
      const index = history.indexOf(ref.message);
      if (index >= 0) history.splice(index, 1);
    },
    messages: () => [{ role: 'system', content: systemPrompt }, ...history],
  };
}
