/**
 * One pacing clock for every call on the node. Each call's outbound pacer wakes about every
 * 20 ms while its agent speaks; with a timer per call, 500 calls mean 25 000 timer objects
 * created and fired a second, each a separate trip through the event loop. Here all wake-ups
 * land on one shared grid of `periodMs` ticks served by a single Node timer, so one tick pumps
 * every due call in one go.
 *
 * A pacer's wake-ups are 20 ms apart, so on a 20 ms grid each call keeps a fixed phase and its
 * frames stay exactly 20 ms apart. Wake-ups are rounded up to the grid, and the clock says
 * (`gridMs`) that a frame may then go out up to one tick before it is due: the pacing lead grows
 * by at most one frame, instead of the first frame after a burst waiting up to 40 ms.
 */

/** What the outbound pacer needs of time: tests pass a manual clock. */
export interface PacerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Set by a clock that serves wake-ups on a grid of this many ms. The pacer then decides on the
   * grid time of the tick it was woken on (so timer lateness cannot flip its decision from one
   * tick to the next) and may send a frame up to one tick before it is due, not one tick after.
   */
  readonly gridMs?: number;
}

export interface SharedPacingClock extends PacerClock {
  /** Wake-ups waiting for a tick (diagnostics and tests). */
  readonly pending: number;
}

interface Wake {
  tick: number;
  fn: () => void;
  cancelled: boolean;
}

export interface SharedPacingClockOptions {
  periodMs?: number;
  now?: () => number;
}

export function createSharedPacingClock(options: SharedPacingClockOptions = {}): SharedPacingClock {
  const periodMs = options.periodMs ?? 20;
  const now = options.now ?? (() => performance.now());
  /** tick number -> wake-ups due then; a tick is `periodMs` of the `now()` timeline. */
  const buckets = new Map<number, Wake[]>();
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerTick = Number.POSITIVE_INFINITY;

  function arm(tick: number): void {
    if (timer && timerTick <= tick) return;
    clearTimeout(timer);
    timerTick = tick;
    // Whole milliseconds: Node keeps one timer list per distinct delay, and never fires early.
    timer = setTimeout(fire, Math.max(1, Math.ceil(tick * periodMs - now())));
  }

  function fire(): void {
    timer = undefined;
    timerTick = Number.POSITIVE_INFINITY;
    const current = Math.floor(now() / periodMs);
    // Wake-ups scheduled while this runs land in later ticks (at least `current + 1`).
    for (const [tick, wakes] of buckets) {
      if (tick > current) continue;
      buckets.delete(tick);
      for (const w of wakes) {
        if (w.cancelled) continue;
        w.cancelled = true;
        pending--;
        w.fn();
      }
    }
    let next = Number.POSITIVE_INFINITY;
    for (const tick of buckets.keys()) if (tick < next) next = tick;
    if (next !== Number.POSITIVE_INFINITY) arm(next);
  }

  return {
    now,
    gridMs: periodMs,
    setTimeout(fn, ms) {
      const tick = Math.max(Math.ceil((now() + ms) / periodMs), Math.floor(now() / periodMs) + 1);
      const wake: Wake = { tick, fn, cancelled: false };
      let bucket = buckets.get(tick);
      if (!bucket) {
        bucket = [];
        buckets.set(tick, bucket);
      }
      bucket.push(wake);
      pending++;
      arm(tick);
      return wake;
    },
    clearTimeout(handle) {
      const wake = handle as Wake | undefined;
      if (!wake || wake.cancelled) return;
      wake.cancelled = true;
      pending--;
      // The wake-up stays in its bucket, skipped when the tick comes; an empty node stops ticking.
      if (pending === 0) {
        clearTimeout(timer);
        timer = undefined;
        timerTick = Number.POSITIVE_INFINITY;
        buckets.clear();
      }
    },
    get pending() {
      return pending;
    },
  };
}

let nodeClock: SharedPacingClock | undefined;

/** The process-wide clock every call's pacer uses unless a test passes its own. */
export function nodePacingClock(): SharedPacingClock {
  nodeClock ??= createSharedPacingClock();
  return nodeClock;
}
