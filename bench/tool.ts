import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { callWorkflow } from '../src/workflows/call/call-workflow.ts';
import * as contract from '../src/workflows/call/contract.ts';
import { freeSlots, seedBenchAgent } from './lib/agent.ts';
import { progress, startBenchPlatform } from './lib/platform.ts';
import { fmtMs, round1, type Summary, summarize, table, verdict } from './lib/stats.ts';
import { collectStages, type Phase, runOpenLoop, runPhase, STAGE_NAMES } from './lib/tool-phases.ts';
import { historyCounts, procCpuUs, updateStages } from './lib/update-history.ts';
import { WorkerChild } from './lib/worker-child.ts';

/**
 * `npm run bench:tool`: the durable tool call round trip, measured at the client. A booking tool
 * call is an Update (`bookAppointment`) on the running call workflow: the server hands it to the
 * worker, the workflow runs the booking as a local activity in the same worker task, which writes Postgres, the result goes
 * back through the workflow to the caller of `executeUpdate`. Against a real Temporal dev server,
 * the production worker and a fresh migrated Postgres database. The worker runs in a process of its
 * own, as the platform's worker role does (`--in-process` puts it in the client's process, the
 * shape this benchmark had before, for comparison). CPU time per booking is reported for the
 * worker, the client and the dev server. What a booking sets off later is reported apart: the
 * appointment's reminder workflow starts when its call ends (with the call's post-call workflow),
 * so the bench ends every call and reports that CPU per booking too.
 *
 * `--calls` live call workflows run at once; each makes `--per-call` bookings one after another
 * (as one conversation would), each on its own free slot with its own update id. `callStateQuery`
 * (read-only, no history event, no activity) is measured the same way for comparison.
 * Before that, `--serial` bookings on one call with nothing else in flight show the unloaded latency,
 * then `--open` bookings arrive at random at `--rate` per second over the calls (open loop: each
 * starts on schedule, latency counted from its arrival): the round trip on a busy platform, which
 * the target is judged on. The burst (`--calls` x `--per-call`, closed loop) measures throughput.
 * Flags: --calls N (20), --per-call N (10), --warmup N (20), --serial N (200), --rate N (20),
 *        --open N (200), --in-process.
 * (200 serial bookings: a p99 needs a sample of that order; 20 gave the maximum of a handful.)
 * BENCH_WORKER_OPTIONS='{"maxCachedWorkflows":…}' runs the worker with extra Worker options (an
 * experiment; the table says so).
 */
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20' },
    'per-call': { type: 'string', default: '10' },
    warmup: { type: 'string', default: '20' },
    serial: { type: 'string', default: '200' },
    rate: { type: 'string', default: '20' },
    open: { type: 'string', default: '200' },
    'in-process': { type: 'boolean', default: false },
  },
});
const calls = Number(values.calls);
const perCall = Number(values['per-call']);
const warmup = Number(values.warmup);
const serial = Number(values.serial);
const rate = Number(values.rate);
const open = Number(values.open);
const TARGET_P50_MS = 20;
const TARGET_P99_MS = 50;

type CallHandle = WorkflowHandle<typeof callWorkflow>;

const inProcess = values['in-process'];
const platform = await startBenchPlatform({ name: 'tool', inProcessWorker: inProcess });
try {
  let worker: WorkerChild | undefined;
  if (!inProcess) {
    progress('setup: worker process...');
    const started = await WorkerChild.start(
      fileURLToPath(new URL('./lib/tool-worker-process.ts', import.meta.url)),
      {
        BENCH_DATABASE_URL: platform.databaseUrl,
        BENCH_TEMPORAL_ADDRESS: platform.address,
        BENCH_NAMESPACE: platform.namespace,
        BENCH_TASK_QUEUE: platform.taskQueue,
      },
    );
    worker = started;
    platform.cleanup.add('worker process', () => started.stop());
  }
  /** CPU µs so far of the worker, the client (this process) and the dev server. */
  // A booking's follow-up (its reminder workflow) runs after the reply; let it finish first.
  const cpuNow = async () => ({
    settled: await new Promise((r) => setTimeout(r, 1000)),
    worker: worker ? (await worker.stats()).cpuUs : Number.NaN,
    client: ((u) => u.user + u.system)(process.cpuUsage()),
    server: procCpuUs(platform.temporalPid),
  });
  type Cpu = Awaited<ReturnType<typeof cpuNow>>;
  const cpuPerOp = (a: Cpu, b: Cpu, n: number) => ({
    worker: (b.worker - a.worker) / 1000 / n,
    client: (b.client - a.client) / 1000 / n,
    server: (b.server - a.server) / 1000 / n,
  });
  const agent = await seedBenchAgent(platform.prisma);
  const slots = await freeSlots(platform.prisma, agent.id, warmup + serial + open + calls * perCall);
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
  const before = await historyCounts(handles[0] as CallHandle);
  const cpu0 = await cpuNow();
  const single = await runPhase(handles.slice(0, 1), serial, (h, i, j) => book(h, i, j, 'serial'));
  const cpu1 = await cpuNow();
  const after = await historyCounts(handles[0] as CallHandle);

  progress(`measuring: ${open} bookings arriving at ${rate}/s over ${calls} calls...`);
  const opened = await runOpenLoop(handles, open, rate, (h, i, j) => book(h, i, j, 'open'));
  const cpu1b = await cpuNow();

  progress(`measuring: ${calls} calls x ${perCall} bookings...`);
  const updates = await runPhase(handles, perCall, (h, i, j) => book(h, i, j, 'run'));
  const cpu2 = await cpuNow();
  const cpuSerial = cpuPerOp(cpu0, cpu1, serial);
  const cpuOpen = cpuPerOp(cpu1, cpu1b, open);
  const cpuLoaded = cpuPerOp(cpu1b, cpu2, calls * perCall);
  const perBooking = {
    events: (after.events - before.events) / serial,
    workflowTasks: (after.workflowTasks - before.workflowTasks) / serial,
  };

  progress(`measuring: ${calls} calls x ${perCall} queries...`);
  const query = async (h: CallHandle) => (await h.query(contract.callStateQuery)).phase === 'live';
  await runPhase(handles, 1, query);
  const queries = await runPhase(handles, perCall, query);

  // Where the time went: the server's event times for every measured update.
  const histories = await Promise.all(handles.map((h) => updateStages(h)));
  const serialStages = collectStages(histories, single, 'serial');
  const openStages = collectStages(histories, opened, 'open');
  const stages = collectStages(histories, updates, 'run');

  const booked = await platform.prisma.appointment.count({ where: { agentId: agent.id } });

  progress('ending the calls...');
  const cpu3 = await cpuNow();
  await Promise.all(
    handles.map(async (h) => {
      await h.signal(contract.callStatusSignal, { status: 'completed' });
      await h.result();
    }),
  );
  // The post-call and reminder workflows the ends set off, up to their first timer.
  const cpu4 = await cpuNow();
  const cpuEnding = cpuPerOp(cpu3, cpu4, warmup + serial + open + calls * perCall);

  const u = summarize(updates.latencies);
  const u1 = summarize(single.latencies);
  const uo = summarize(opened.latencies);
  const q = summarize(queries.latencies);
  const opsPerS = (p: Phase) => (p.latencies.length / p.wallMs) * 1000;
  const row = (name: string, s: Summary, p: Phase) => [
    name,
    String(s.n),
    fmtMs(s.p50),
    fmtMs(s.p90),
    fmtMs(s.p99),
    fmtMs(s.max),
    fmtMs(s.mean),
    opsPerS(p).toFixed(0),
    String(p.errors),
  ];
  console.log(
    `durable tool call round trip at the client: ${calls} live call workflows, ${perCall} sequential calls each ` +
      `(${calls} in flight), after ${warmup} warm-up bookings`,
  );
  console.log(
    `  ${inProcess ? 'one process (client + worker)' : 'client and worker in separate processes'} on ` +
      `${os.cpus().length} cores, sharing them with the Temporal dev server (SQLite) and Postgres` +
      (process.env.BENCH_WORKER_OPTIONS
        ? `; EXPERIMENT: worker options ${process.env.BENCH_WORKER_OPTIONS}`
        : ''),
  );
  console.log(
    table([
      ['operation (ms)', 'n', 'p50', 'p90', 'p99', 'max', 'mean', 'ops/s', 'errors'],
      row('Update bookAppointment, 1 in flight', u1, single),
      row(`Update bookAppointment, arriving at ${rate}/s`, uo, opened),
      row(`Update bookAppointment, ${calls} in flight`, u, updates),
      row(`Query callState, ${calls} in flight`, q, queries),
    ]),
  );
  console.log(
    "  where an update's time went (server event times from the workflow histories, ms, p50 / p99):",
  );
  console.log(
    table([
      ['stage', '1 in flight', `arriving at ${rate}/s`, `${calls} in flight`],
      ...Object.keys(stages).map((k) => [
        STAGE_NAMES[k] ?? k,
        ...[serialStages, openStages, stages].map((by) => {
          const x = summarize(by[k] ?? []);
          return `${fmtMs(x.p50)} / ${fmtMs(x.p99)}`;
        }),
      ]),
    ]),
  );
  console.log(
    '  CPU time per booking (ms); "at call end": ending the calls (post-call workflows and each ' +
      "booking's reminder workflow start), divided by all bookings:",
  );
  console.log(
    table([
      ['process', '1 in flight', `arriving at ${rate}/s`, `${calls} in flight`, 'at call end'],
      ...(['worker', 'client', 'server'] as const).map((k) => [
        k === 'server' ? 'Temporal dev server' : k,
        ...[cpuSerial, cpuOpen, cpuLoaded, cpuEnding].map((c) => fmtMs(c[k], 2)),
      ]),
    ]),
  );
  console.log(
    `  per booking in the call's history: ${perBooking.workflowTasks.toFixed(1)} workflow tasks, ` +
      `${perBooking.events.toFixed(1)} events`,
  );
  console.log(
    `  appointments in the database: ${booked} (expected ${warmup + serial + open + calls * perCall})`,
  );
  // The target is a tool call's round trip while the platform is busy: bookings arriving on their
  // own schedule at --rate (a node of 200 live calls books a few per second). The burst of
  // --calls simultaneous bookings measures throughput: its latency is the queue in front of one
  // worker, each booking waiting for the ones ahead of it.
  for (const [what, target, x] of [
    ['p50', TARGET_P50_MS, uo.p50],
    ['p99', TARGET_P99_MS, uo.p99],
  ] as const) {
    console.log(
      `  target bookAppointment ${what} <= ${target} ms (arriving at ${rate}/s): ${fmtMs(x)} ms ${verdict(x, target)}`,
    );
  }
  console.log(
    `  (1 in flight: ${fmtMs(u1.p50)} / ${fmtMs(u1.p99)} ms; burst of ${calls} in flight: ${fmtMs(u.p50)} / ` +
      `${fmtMs(u.p99)} ms at ${opsPerS(updates).toFixed(0)} bookings/s)`,
  );
  console.log(`  set-up (s): ${JSON.stringify(platform.setup)}`);
  const p50s = (by: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(by).map(([k, xs]) => [k, round1(summarize(xs).p50)]));
  const cpuJson = (c: Record<string, number>) =>
    Object.fromEntries(Object.entries(c).map(([k, v]) => [k, round1(v)]));
  console.log(
    JSON.stringify({
      bench: 'tool',
      headline: `open loop at ${rate}/s`,
      rate_per_s: rate,
      updates: uo.n,
      p50_ms: round1(uo.p50),
      p90_ms: round1(uo.p90),
      p99_ms: round1(uo.p99),
      max_ms: round1(uo.max),
      errors: updates.errors + single.errors + opened.errors,
      serial_p50_ms: round1(u1.p50),
      serial_p99_ms: round1(u1.p99),
      calls,
      per_call: perCall,
      burst_p50_ms: round1(u.p50),
      burst_p90_ms: round1(u.p90),
      burst_p99_ms: round1(u.p99),
      burst_max_ms: round1(u.max),
      burst_throughput_per_s: round1(opsPerS(updates)),
      stages_p50_ms: { serial: p50s(serialStages), open: p50s(openStages), burst: p50s(stages) },
      worker_process: !inProcess,
      cpu_ms_per_booking: {
        serial: cpuJson(cpuSerial),
        open: cpuJson(cpuOpen),
        burst: cpuJson(cpuLoaded),
        at_call_end: cpuJson(cpuEnding),
      },
      workflow_tasks_per_booking: round1(perBooking.workflowTasks),
      events_per_booking: round1(perBooking.events),
      query_p50_ms: round1(q.p50),
      query_p90_ms: round1(q.p90),
      query_p99_ms: round1(q.p99),
      query_max_ms: round1(q.max),
      query_throughput_per_s: round1(opsPerS(queries)),
      target_p50_ms: TARGET_P50_MS,
      target_p99_ms: TARGET_P99_MS,
    }),
  );
} finally {
  await platform.close();
}
