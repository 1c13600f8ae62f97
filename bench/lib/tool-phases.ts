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

/** Every call runs its operations one after another; all calls at once. */
export async function runPhase<H>(
  handles: H[],
  perHandle: number,
  op: (handle: H, callIndex: number, j: number) => Promise<boolean>,
): Promise<Phase> {
  const latencies: number[] = [];
  const byKey = new Map<string, number>();
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    handles.map(async (handle, i) => {
      for (let j = 0; j < perHandle; j++) {
        const t0 = performance.now();
        const ok = await op(handle, i, j).catch((err: unknown) => {
          progress(`  error: ${(err as Error).message}`);
          return false;
        });
        const elapsed = performance.now() - t0;
        latencies.push(elapsed);
        byKey.set(`${i}-${j}`, elapsed);
        if (!ok) errors++;
      }
    }),
  );
  return { latencies, byKey, errors, wallMs: performance.now() - started };
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
