/**
 * The session's states and the only moves between them. Keeping the table explicit (call-gpt
 * kept state in loose flags) makes "can the caller interrupt now?" a lookup, not a guess.
 */
import type { Logger } from '../../logger.ts';
import type { SessionState } from './types.ts';

const TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  connecting: ['greeting', 'listening', 'ending', 'ended'],
  // The greeting can be interrupted like any reply (→ listening).
  greeting: ['listening', 'ending', 'ended'],
  // listening → speaking: a re-prompt that no user turn asked for.
  listening: ['thinking', 'speaking', 'ending', 'ended'],
  // thinking → listening: the reply produced no audio, or the caller spoke again first.
  thinking: ['speaking', 'listening', 'ending', 'ended'],
  speaking: ['listening', 'ending', 'ended'],
  ending: ['ended'],
  ended: [],
};

/** Pure: whether `from → to` is a legal move. Staying in the same state is not a transition. */
export function canTransition(from: SessionState, to: SessionState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(
    readonly from: SessionState,
    readonly to: SessionState,
  ) {
    super(`illegal session transition ${from} → ${to}`);
  }
}

export interface StateMachine {
  readonly state: SessionState;
  /** Moves to `to`; returns false (or throws when strict) if the move is illegal. Same state: no-op. */
  transition(to: SessionState): boolean;
  is(...states: SessionState[]): boolean;
}

export interface StateMachineOptions {
  initial?: SessionState;
  strict: boolean;
  logger: Logger;
  onChange?: (from: SessionState, to: SessionState) => void;
}

export function createStateMachine(options: StateMachineOptions): StateMachine {
  let state: SessionState = options.initial ?? 'connecting';
  return {
    get state() {
      return state;
    },
    is: (...states) => states.includes(state),
    transition(to) {
      if (to === state) return true;
      const from = state;
      if (!canTransition(from, to)) {
        if (options.strict) throw new IllegalTransitionError(from, to);
        options.logger.error({ from, to }, 'illegal session transition ignored');
        return false;
      }
      state = to;
      options.onChange?.(from, to);
      return true;
    },
  };
}
