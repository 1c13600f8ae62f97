/**
 * One assistant turn's thinking: LLM rounds with tools. Text is split into sentences as it
 * streams and each goes to the reply at once, so the caller hears the first sentence while the
 * model is still writing. Tool results go back to the model for another round, up to
 * MAX_LLM_ROUNDS (a model stuck calling tools must not keep the caller waiting forever).
 */
import type { ToolCall } from '../../providers/ports.ts';
import { abortable, abortableIterate, isAbortError } from './abortable.ts';
import { createSentenceSplitter } from './sentence-splitter.ts';
import type { ActiveTurn, SessionCore } from './session-core.ts';
import { OFF_THE_RECORD } from './speaker.ts';
import type { ToolOutcome } from './types.ts';

export const MAX_LLM_ROUNDS = 4;
/** Shortest first piece spoken at a clause boundary while the caller waits in silence. */
export const FIRST_CLAUSE_MIN_CHARS = 20;

export type AssistantOutcome =
  | { kind: 'done' }
  | { kind: 'end-call' }
  | { kind: 'transferred' }
  | { kind: 'aborted' }
  | { kind: 'llm-failed'; error: unknown };

interface RoundResult {
  text: string;
  toolCalls: ToolCall[];
}

export async function runAssistantTurn(core: SessionCore, turn: ActiveTurn): Promise<AssistantOutcome> {
  const { signal } = turn.controller;
  try {
    for (let round = 0; round < MAX_LLM_ROUNDS; round++) {
      const result = await streamRound(core, turn, round);
      if (signal.aborted) return { kind: 'aborted' };
      if (result.toolCalls.length === 0) {
        if (result.text) turn.rounds.set(round, core.conversation.addAssistant(result.text));
        return { kind: 'done' };
      }
      turn.rounds.set(round, core.conversation.addAssistant(result.text, result.toolCalls));
      const outcomes = await runTools(core, turn, result.toolCalls);
      if (signal.aborted) return { kind: 'aborted' };
      if (outcomes.some((o) => o.transferred)) return { kind: 'transferred' };
      if (outcomes.some((o) => o.endCall)) return { kind: 'end-call' };
    }
    core.deps.logger.warn({ rounds: MAX_LLM_ROUNDS }, 'llm kept calling tools; ending the turn');
    return { kind: 'done' };
  } catch (error) {
    if (isAbortError(error, signal)) return { kind: 'aborted' };
    core.deps.logger.warn({ err: error }, 'llm turn failed');
    return { kind: 'llm-failed', error };
  }
}

async function streamRound(core: SessionCore, turn: ActiveTurn, group: number): Promise<RoundResult> {
  const { llm, tools } = core.deps;
  const { signal } = turn.controller;
  const definitions = tools.definitions();
  const stream = llm.stream({
    messages: core.conversation.messages(),
    signal,
    ...(definitions.length > 0 ? { tools: definitions } : {}),
  });
  // Nothing of this turn is playing yet: the caller hears silence until the first piece is spoken.
  const splitter = createSentenceSplitter(
    turn.reply.playing ? {} : { firstClauseMinChars: FIRST_CLAUSE_MIN_CHARS },
  );
  const sayRest = (): void => {
    const rest = splitter.flush();
    if (rest && !signal.aborted) turn.reply.say(rest, group);
  };
  let text = '';
  const toolCalls: ToolCall[] = [];
  for await (const delta of abortableIterate(stream, signal)) {
    if (delta.type === 'done') {
      // The text is complete: its last piece goes to TTS before the finished stream is torn down.
      sayRest();
      break;
    }
    turn.latency.mark('llmFirstToken');
    if (delta.type === 'tool-call') toolCalls.push(delta.call);
    else {
      text += delta.text;
      for (const sentence of splitter.push(delta.text)) turn.reply.say(sentence, group);
    }
  }
  sayRest();
  return { text: text.trim(), toolCalls };
}

/** Runs the round's tools in parallel; a slow batch gets the filler line so there is no dead air. */
async function runTools(core: SessionCore, turn: ActiveTurn, calls: ToolCall[]): Promise<ToolOutcome[]> {
  const { tools, logger } = core.deps;
  const { signal } = turn.controller;
  armFiller(core, turn);
  try {
    const outcomes = await abortable(
      Promise.all(
        calls.map((call) =>
          tools.execute(call, signal).catch((error: unknown): ToolOutcome => {
            if (isAbortError(error, signal)) throw error;
            logger.warn({ err: error, tool: call.name }, 'tool failed');
            // The model is told, so it can apologise or try another way instead of guessing.
            return { content: `The tool failed: ${error instanceof Error ? error.message : String(error)}` };
          }),
        ),
      ),
      signal,
    );
    calls.forEach((call, i) => {
      const outcome = outcomes[i] as ToolOutcome;
      core.conversation.addToolResult(call.id, outcome.content);
      turn.toolCalls.push({
        id: call.id,
        name: call.name,
        arguments: call.argumentsJson,
        result: outcome.content,
      });
    });
    return outcomes;
  } finally {
    core.timers.clear('filler');
  }
}

/** Says the filler once the tools have run `fillerAfterMs`, but never over speech still playing. */
function armFiller(core: SessionCore, turn: ActiveTurn): void {
  const { fillerAfterMs, fillerText } = core.deps.config;
  if (!fillerText.trim()) return;
  const fire = (): void => {
    if (turn.finalized || turn.controller.signal.aborted) return;
    if (turn.reply.playing) core.timers.set('filler', fillerAfterMs, fire);
    else turn.reply.say(fillerText, OFF_THE_RECORD);
  };
  core.timers.set('filler', fillerAfterMs, fire);
}
