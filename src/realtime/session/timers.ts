/**
 * Named timers on the injected clock. One owner for every timer the session starts, so stop()
 * can clear them all and a test can check that none is left.
 */
import type { SessionClock } from './types.ts';

export interface TimerSet {
  /** Starts (or restarts) the timer with this name. */
  set(name: string, ms: number, fn: () => void): void;
  clear(name: string): void;
  has(name: string): boolean;
  clearAll(): void;
}

export function createTimerSet(clock: SessionClock): TimerSet {
  const handles = new Map<string, unknown>();
  function clear(name: string): void {
    const handle = handles.get(name);
    if (handle === undefined) return;
    handles.delete(name);
    clock.clearTimeout(handle);
  }
  return {
    set(name, ms, fn) {
      clear(name);
      const handle = clock.setTimeout(() => {
        // Only forget it if it is still ours: fn may have restarted the same name.
        if (handles.get(name) === handle) handles.delete(name);
        fn();
      }, ms);
      handles.set(name, handle);
    },
    clear,
    has: (name) => handles.has(name),
    clearAll() {
      for (const name of [...handles.keys()]) clear(name);
    },
  };
}
