/**
 * The per-call state every session module works on. One object, created in call-session.ts and
 * passed explicitly, instead of variables scattered across closures (call-gpt's habit).
 */
import type { AssistantRef, Conversation } from './conversation.ts';
import type { LatencyTracker } from './latency.ts';
import type { Reply, Speaker } from './speaker.ts';
import type { StateMachine } from './state-machine.ts';
import type { SttLink } from './stt-link.ts';
import type { TimerSet } from './timers.ts';
import type { TurnTaking } from './turn-taking.ts';
import type { CallSessionDeps, TurnRecord } from './types.ts';

export type TurnKind = 'greeting' | 'reply' | 'reprompt' | 'closing';

/** One stretch of agent speech and the work behind it (LLM rounds, tools). */
export interface ActiveTurn {
  kind: TurnKind;
  /** Aborts the LLM, TTS and tools of this turn together. */
  controller: AbortController;
  reply: Reply;
  latency: LatencyTracker;
  /** Reply group → the history message holding that group's text. */
  rounds: Map<number, AssistantRef>;
  toolCalls: NonNullable<TurnRecord['toolCalls']>;
  finalized: boolean;
}

export interface SessionCore {
  deps: CallSessionDeps;
  machine: StateMachine;
  timers: TimerSet;
  conversation: Conversation;
  speaker: Speaker;
  turnTaking: TurnTaking;
  stt: SttLink;
  current: ActiveTurn | undefined;
  sequence: number;
  stats: { turns: number; bargeIns: number };
  /** LLM failures in a row; two end the call. */
  llmFailures: number;
  /** 0: next silence re-prompts; 1: next silence hangs up. */
  silencePhase: 0 | 1;
  tornDown: boolean;
  /** Session-owned async work, awaited by stop() so nothing outlives the call. */
  work: Set<Promise<unknown>>;
}

/** Runs `task` as session-owned work: awaited at stop, its failure logged, never unhandled. */
export function track(core: SessionCore, task: Promise<unknown>): void {
  const guarded = task.catch((error: unknown) =>
    core.deps.logger.error({ err: error }, 'session task failed'),
  );
  core.work.add(guarded);
  void guarded.finally(() => core.work.delete(guarded));
}
