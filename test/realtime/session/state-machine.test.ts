import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  canTransition,
  createStateMachine,
  IllegalTransitionError,
} from '../../../src/realtime/session/state-machine.ts';

const logger = pino({ level: 'silent' });

describe('session state machine', () => {
  it('allows the normal conversation loop', () => {
    expect(canTransition('connecting', 'greeting')).toBe(true);
    expect(canTransition('listening', 'thinking')).toBe(true);
    expect(canTransition('thinking', 'speaking')).toBe(true);
    expect(canTransition('speaking', 'listening')).toBe(true);
    expect(canTransition('speaking', 'ending')).toBe(true);
  });

  it('rejects moves out of the end states and skipped steps', () => {
    expect(canTransition('ended', 'listening')).toBe(false);
    expect(canTransition('ending', 'listening')).toBe(false);
    expect(canTransition('connecting', 'speaking')).toBe(false);
  });

  it('throws when strict, logs and stays put otherwise, and reports changes', () => {
    const changes: string[] = [];
    const strict = createStateMachine({
      strict: true,
      logger,
      onChange: (f, t) => changes.push(`${f}>${t}`),
    });
    expect(() => strict.transition('speaking')).toThrow(IllegalTransitionError);
    strict.transition('listening');
    strict.transition('listening'); // same state: no change reported
    expect(changes).toEqual(['connecting>listening']);

    const lenient = createStateMachine({ strict: false, logger });
    expect(lenient.transition('speaking')).toBe(false);
    expect(lenient.state).toBe('connecting');
  });
});
