/**
 * One turn of a call's transcript as the session produces it and the database stores it.
 * `generatedText` is what the LLM wrote; `heardText` is what the other party actually heard
 * (less, after a barge-in), and only that is kept in the conversation.
 */
export interface TurnRecord {
  sequence: number;
  role: 'user' | 'assistant' | 'tool';
  generatedText?: string;
  heardText: string;
  interrupted: boolean;
  latency?: { sttFinalMs?: number; llmFirstTokenMs?: number; ttsFirstByteMs?: number; firstFrameMs?: number };
  toolCalls?: { id: string; name: string; arguments: string; result: string }[];
}
