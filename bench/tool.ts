import os from 'node:os';
import { parseArgs } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { callWorkflow } from '../src/workflows/call/call-workflow.ts';
import * as contract from '../src/workflows/call/contract.ts';
import { freeSlots, seedBenchAgent } from './lib/agent.ts';
import { progress, startBenchPlatform } from './lib/platform.ts';
import { fmtMs, round1, type Summary, summarize, table, verdict } from './lib/stats.ts';
import { updateStages } from './lib/update-history.ts';

/**
 * `npm run bench:tool`: the durable tool call round trip, measured at the client. A booking tool
 * call is an Update (`bookAppointment`) on the running call workflow: the server hands it to the
 * worker, the workflow runs the booking as a local activity in the same worker task, which writes Postgres, the result goes
 * back through the workflow to the caller of `executeUpdate`. Against a real Temporal dev server,
 * the production worker (in this process) and a fresh migrated Postgres database.
 *
 * `--calls` live call workflows run at once; each makes `--per-call` bookings one after another
 * (as one conversation would), each on its own free slot with its own update id. `callStateQuery`
 * (read-only, no history event, no activity) is measured the same way for comparison.
 * Before that, `--serial` bookings on one call with nothing else in flight show the unloaded latency.
 * Flags: --calls N (20), --per-call N (10), --warmup N (20), --serial N (20).
 */
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20' },
    'per-call': { type: 'string', default: '10' },
    warmup: { type: 'string', default: '20' },
    serial: { type: 'string', default: '20' },
  },
});
const calls = Number(values.calls);
const perCall = Number(values['per-call']);
const warmup = Number(values.warmup);
const serial = Number(values.serial);
const TARGET_P50_MS = 20;
const TARGET_P99_MS = 50;

type CallHandle = WorkflowHandle<typeof callWorkflow>;

interface Phase {
  latencies: number[];
  /** Latency by `${callIndex}-${j}`. */
  byKey: Map<string, number>;
  errors: number;
  wallMs: number;
}

/** Every call runs its operations one after another; all calls at once. */
async function runPhase(
  handles: CallHandle[],
  perHandle: number,
  op: (handle: CallHandle, callIndex: number, j: number) => Promise<boolean>,
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

const platform = await startBenchPlatform({ name: 'tool' });
try {
  const agent = await seedBenchAgent(platform.prisma);
  const slots = await freeSlots(platform.prisma, agent.id, warmup + serial + calls * perCall);
  const run = Date.now().toString(36);

  progress(`starting ${calls} call workflows...`);
  const handles: CallHandle[] = await Promise.all(
    Array.from({ length: calls }, async (_, i) => {
      const callSid = `CAbench${run}${String(i).padStart(4, '0')}`;
      const handle = await platform.client.workflow.start(callWorkflow, {
        taskQueue: platform.taskQueue,
        workflowId: contract.callWorkflowId(callSid),
        args: [
          {
            callSid,
            direction: 'inbound',
            from: `+1415555${String(1000 + i).slice(-4)}`,
            to: '+14155550100',
            mediaHeartbeatTimeoutMs: 60 * 60_000,
          },
        ],
      });
      // A live call: media connected, call record written (the first tool call would wait for it).
      await handle.signal(contract.mediaStartedSignal, { streamSid: `MZ${callSid}`, node: 'bench' });
      for (;;) {
        const state = await handle.query(contract.callStateQuery);
        if (state.callId && state.phase === 'live') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      return handle;
    }),
  );

  let slot = 0;
  const book = async (handle: CallHandle, i: number, j: number, tag: string) => {
    const startsAt = slots[slot++] as string;
    const result = await handle.executeUpdate(contract.bookAppointmentUpdate, {
      args: [{ startsAt }],
      updateId: `bench-${tag}-${i}-${j}`,
    });
    if (!result.ok) progress(`  refused: ${result.error}`);
    return result.ok;
  };

  progress(`warm-up: ${warmup} bookings...`);
  await Promise.all(
    handles.map(async (h, i) => {
      for (let k = i; k < warmup; k += calls) await book(h, i, k, 'warm');
    }),
  );

  progress(`measuring: ${serial} bookings, one at a time...`);
  const single = await runPhase(handles.slice(0, 1), serial, (h, i, j) => book(h, i, j, 'serial'));

  progress(`measuring: ${calls} calls x ${perCall} bookings...`);
  const updates = await runPhase(handles, perCall, (h, i, j) => book(h, i, j, 'run'));

  progress(`measuring: ${calls} calls x ${perCall} queries...`);
  const query = async (h: CallHandle) => (await h.query(contract.callStateQuery)).phase === 'live';
  await runPhase(handles, 1, query);
  const queries = await runPhase(handles, perCall, query);

  // Where the time went: the server's event times for every measured update.
  const stages: Record<string, number[]> = {
    taskDispatch: [],
    workerTask: [],
    serverTotal: [],
    clientAndRpc: [],
  };
  const histories = await Promise.all(handles.map((h) => updateStages(h)));
  histories.forEach((byId, i) => {
    for (let j = 0; j < perCall; j++) {
      const s = byId.get(`bench-run-${i}-${j}`);
      const total = updates.byKey.get(`${i}-${j}`);
      if (!s || total === undefined) continue;
      for (const [k, v] of Object.entries(s)) stages[k]?.push(v);
      stages.clientAndRpc?.push(total - s.serverTotal);
    }
  });

  const booked = await platform.prisma.appointment.count({ where: { agentId: agent.id } });

  progress('ending the calls...');
  await Promise.all(
    handles.map(async (h) => {
      await h.signal(contract.callStatusSignal, { status: 'completed' });
      await h.result();
    }),
  );

  const u = summarize(updates.latencies);
  const u1 = summarize(single.latencies);
  const q = summarize(queries.latencies);
  const rate = (p: Phase) => (p.latencies.length / p.wallMs) * 1000;
  const row = (name: string, s: Summary, p: Phase) => [
    name,
    String(s.n),
    fmtMs(s.p50),
    fmtMs(s.p90),
    fmtMs(s.p99),
    fmtMs(s.max),
    fmtMs(s.mean),
    rate(p).toFixed(0),
    String(p.errors),
  ];
  console.log(
    `durable tool call round trip at the client: ${calls} live call workflows, ${perCall} sequential calls each ` +
      `(${calls} in flight), after ${warmup} warm-up bookings`,
  );
  console.log(
    `  one process (client + worker) on ${os.cpus().length} cores, sharing them with the Temporal dev server ` +
      '(SQLite) and Postgres',
  );
  console.log(
    table([
      ['operation (ms)', 'n', 'p50', 'p90', 'p99', 'max', 'mean', 'ops/s', 'errors'],
      row('Update bookAppointment, 1 in flight', u1, single),
      row(`Update bookAppointment, ${calls} in flight`, u, updates),
      row(`Query callState, ${calls} in flight`, q, queries),
    ]),
  );
  console.log("  where an update's time went (server event times from the workflow histories, ms):");
  const stageNames: Record<string, string> = {
    taskDispatch: 'workflow task dispatch (scheduled -> started)',
    workerTask: 'worker task: update + local activity (Postgres)',
    serverTotal: 'server total (first task -> completed)',
    clientAndRpc: 'client + RPC (client total - server total)',
  };
  console.log(
    table([
      ['stage', 'n', 'p50', 'p90', 'p99', 'max'],
      ...Object.entries(stages).map(([k, xs]) => {
        const s = summarize(xs);
        return [stageNames[k] ?? k, String(s.n), fmtMs(s.p50), fmtMs(s.p90), fmtMs(s.p99), fmtMs(s.max)];
      }),
    ]),
  );
  console.log(`  appointments in the database: ${booked} (expected ${warmup + serial + calls * perCall})`);
  console.log(
    `  target bookAppointment p50 <= ${TARGET_P50_MS} ms: ${fmtMs(u.p50)} ms ${verdict(u.p50, TARGET_P50_MS)}`,
  );
  console.log(
    `  target bookAppointment p99 <= ${TARGET_P99_MS} ms: ${fmtMs(u.p99)} ms ${verdict(u.p99, TARGET_P99_MS)}`,
  );
  console.log(`  set-up (s): ${JSON.stringify(platform.setup)}`);
  console.log(
    JSON.stringify({
      bench: 'tool',
      calls,
      per_call: perCall,
      updates: u.n,
      p50_ms: round1(u.p50),
      p90_ms: round1(u.p90),
      p99_ms: round1(u.p99),
      max_ms: round1(u.max),
      throughput_per_s: round1(rate(updates)),
      errors: updates.errors + single.errors,
      serial_p50_ms: round1(u1.p50),
      serial_p99_ms: round1(u1.p99),
      stages_p50_ms: Object.fromEntries(
        Object.entries(stages).map(([k, xs]) => [k, round1(summarize(xs).p50)]),
      ),
      query_p50_ms: round1(q.p50),
      query_p90_ms: round1(q.p90),
      query_p99_ms: round1(q.p99),
      query_max_ms: round1(q.max),
      query_throughput_per_s: round1(rate(queries)),
      target_p50_ms: TARGET_P50_MS,
      target_p99_ms: TARGET_P99_MS,
    }),
  );
} finally {
  await platform.close();
}
