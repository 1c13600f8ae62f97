import { progress } from './platform.ts';
import type { UpdateStages } from './update-history.ts';

/** The measuring loop of bench:tool and how its updates' stages are gathered. */

export interface Phase {
  latencies: number[];
  /** Latency by `${callIndex}-${j}`. */
  byKey: Map<string, number>;
  errors: number;
  wallMs: number;
}

type Op<H> = (handle: H, callIndex: number, j: number) => Promise<boolean>;

/** Collects one phase's latencies; an operation that throws counts as an error. */
function recorder() {
  const phase: Phase = { latencies: [], byKey: new Map(), errors: 0, wallMs: 0 };
  const started = performance.now();
  return {
    phase,
    /** Runs one operation; its latency counts from `fromMs` (default: now). */
    async time<H>(op: Op<H>, handle: H, i: number, j: number, fromMs = performance.now()) {
      const ok = await op(handle, i, j).catch((err: unknown) => {
        progress(`  error: ${(err as Error).message}`);
        return false;
      });
      const elapsed = performance.now() - fromMs;
      phase.latencies.push(elapsed);
      phase.byKey.set(`${i}-${j}`, elapsed);
      if (!ok) phase.errors++;
    },
    done(): Phase {
      phase.wallMs = performance.now() - started;
      return phase;
    },
  };
}

/** Every call runs its operations one after another; all calls at once. */
export async function runPhase<H>(handles: H[], perHandle: number, op: Op<H>): Promise<Phase> {
  const r = recorder();
  await Promise.all(
    handles.map(async (handle, i) => {
      for (let j = 0; j < perHandle; j++) await r.time(op, handle, i, j);
    }),
  );
  return r.done();
}

/**
 * Open loop: `count` operations arriving at random (Poisson, `ratePerS` on average, a fixed seed
 * so runs compare), round robin over the calls, each started on schedule whether or not earlier
 * ones have finished. Latency counts from the scheduled arrival, so a client that falls behind
 * shows up in the figures instead of thinning the load.
 */
export async function runOpenLoop<H>(
  handles: H[],
  count: number,
  ratePerS: number,
  op: Op<H>,
): Promise<Phase> {
  const r = recorder();
  const random = lcg(20_261_122);
  const started = performance.now();
  const running: Promise<void>[] = [];
  let atMs = started;
  for (let k = 0; k < count; k++) {
    atMs += (-Math.log(1 - random()) * 1000) / ratePerS;
    const waitMs = atMs - performance.now();
    if (waitMs > 0) await new Promise((res) => setTimeout(res, waitMs));
    const i = k % handles.length;
    running.push(r.time(op, handles[i] as H, i, Math.floor(k / handles.length), atMs));
  }
  await Promise.all(running);
  return r.done();
}

/** A small seeded generator in [0, 1): the same arrival times on every run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 2 ** 32;
  };
}

export const STAGE_NAMES: Record<string, string> = {
  taskDispatch: 'workflow task dispatch (scheduled -> started)',
  workerTask: 'worker task: update + local activity (Postgres)',
  serverTotal: 'server total (first task -> completed)',
  clientAndRpc: 'client + RPC (client total - server total)',
};

/** Stage durations of one phase's updates (ids `bench-<tag>-<call>-<j>`), by stage. */
export function collectStages(histories: Map<string, UpdateStages>[], phase: Phase, tag: string) {
  const stages: Record<string, number[]> = {
    taskDispatch: [],
    workerTask: [],
    serverTotal: [],
    clientAndRpc: [],
  };
  for (const [key, total] of phase.byKey) {
    const [i, j] = key.split('-');
    const s = histories[Number(i)]?.get(`bench-${tag}-${i}-${j}`);
    if (!s) continue;
    for (const [k, v] of Object.entries(s)) stages[k]?.push(v);
    stages.clientAndRpc?.push(total - s.serverTotal);
  }
  return stages;
}
