import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOutboundAudio } from '../../../src/realtime/media/outbound-audio.ts';
import { createSharedPacingClock } from '../../../src/realtime/media/pacing-clock.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const now = () => Date.now();

describe('shared pacing clock', () => {
  it('serves wake-ups of many callers from one timer, on the next 20 ms tick after they are due', () => {
    const clock = createSharedPacingClock({ now });
    const fired: [string, number][] = [];
    vi.advanceTimersByTime(3); // off the grid
    for (const [name, ms] of [
      ['a', 1],
      ['b', 5],
      ['c', 17],
      ['d', 30],
    ] as const) {
      clock.setTimeout(() => fired.push([name, now()]), ms);
    }
    expect(vi.getTimerCount()).toBe(1);
    expect(clock.pending).toBe(4);
    vi.advanceTimersByTime(16);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1); // 1_000_020: the tick a, b and c were due by
    expect(fired).toEqual([
      ['a', 1_000_020],
      ['b', 1_000_020],
      ['c', 1_000_020],
    ]);
    vi.advanceTimersByTime(20);
    expect(fired.at(-1)).toEqual(['d', 1_000_040]);
    expect(clock.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never fires a cancelled wake-up, and stops its timer when nothing is left', () => {
    const clock = createSharedPacingClock({ now });
    const fn = vi.fn();
    const keep = vi.fn();
    const h = clock.setTimeout(fn, 10);
    clock.setTimeout(keep, 10);
    clock.clearTimeout(h);
    clock.clearTimeout(h);
    expect(clock.pending).toBe(1);
    vi.advanceTimersByTime(40);
    expect(fn).not.toHaveBeenCalled();
    expect(keep).toHaveBeenCalledTimes(1);
    const last = clock.setTimeout(fn, 10);
    clock.clearTimeout(last);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(40);
    expect(fn).not.toHaveBeenCalled();
  });

  it('wakes a callback scheduled from inside a tick on a later tick, not in the same one', () => {
    const clock = createSharedPacingClock({ now });
    const times: number[] = [];
    const again = () => {
      times.push(now());
      if (times.length < 3) clock.setTimeout(again, 0);
    };
    clock.setTimeout(again, 0);
    vi.advanceTimersByTime(100);
    expect(times).toEqual([1_000_020, 1_000_040, 1_000_060]);
  });

  it('paces several calls at once with every frame of each 20 ms after the previous one', () => {
    const clock = createSharedPacingClock({ now });
    const sends = new Map<string, number[]>();
    const pacers = ['MZ1', 'MZ2', 'MZ3'].map((sid) => {
      sends.set(sid, []);
      return createOutboundAudio({
        streamSid: sid,
        leadMs: 100,
        clock,
        send: (json) => {
          if (json.includes('"media"')) sends.get(sid)?.push(now());
        },
      });
    });
    pacers.forEach((p, i) => {
      vi.advanceTimersByTime(7 * i); // calls start their replies at different moments
      p.enqueue('u1', new Uint8Array(160 * 30).fill(1));
    });
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(0);
    for (const times of sends.values()) {
      expect(times).toHaveLength(30);
      // The lead burst (100 ms = 5 frames); the next tick tops up to lead + one tick (never a
      // 20-40 ms wait for the grid), then one frame per tick, each exactly 20 ms after the last.
      expect(times.slice(0, 5).every((t) => t === times[0])).toBe(true);
      const gaps = times.slice(5).map((t, i) => t - (times[i + 4] as number));
      expect(gaps.every((g) => g <= 20)).toBe(true);
      expect(gaps.slice(2).every((g) => g === 20)).toBe(true);
      // Never more than lead + one tick ahead of playback.
      const start = times[0] as number;
      times.forEach((t, i) => {
        expect((i + 1) * 20 - (t - start)).toBeLessThanOrEqual(120);
      });
    }
  });
});

describe('pacer on a grid clock whose timers run late', () => {
  it('sends exactly one frame per tick in steady state, whatever the lateness', () => {
    vi.useRealTimers();
    const lateness = [0, 7, 3, 9, 1, 12, 0, 5];
    let now = 0;
    let fired = 0;
    const timers: { at: number; fn: () => void }[] = [];
    const clock = {
      gridMs: 20,
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => {
        const tick = Math.max(Math.ceil((now + ms) / 20), Math.floor(now / 20) + 1);
        const t = { at: tick * 20 + (lateness[fired++ % lateness.length] as number), fn };
        timers.push(t);
        return t;
      },
      clearTimeout: (h: unknown) => {
        timers.splice(timers.indexOf(h as (typeof timers)[number]), 1);
      },
    };
    const ticks: number[] = [];
    // The call's frames fall due 4 ms after each tick: a timer 4 ms late or more would see the
    // frame as due on this tick, one less late would not, if the pacer decided on the clock time.
    const audio = createOutboundAudio({
      streamSid: 'MZ1',
      leadMs: 100,
      clock,
      send: (json) => {
        if (json.includes('"media"')) ticks.push(Math.floor(now / 20));
      },
    });
    now = 4;
    audio.enqueue('u1', new Uint8Array(160 * 60).fill(1));
    while (timers.length > 0) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers.shift() as (typeof timers)[number];
      now = t.at;
      t.fn();
    }
    expect(ticks).toHaveLength(60);
    const perTick = new Map<number, number>();
    for (const t of ticks.slice(7)) perTick.set(t, (perTick.get(t) ?? 0) + 1);
    const first = Math.min(...perTick.keys());
    const last = Math.max(...perTick.keys());
    for (let t = first; t <= last; t++) expect(perTick.get(t), `tick ${t}`).toBe(1);
  });
});
