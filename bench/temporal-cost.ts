import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ensureTemporalCli } from '../src/temporal/cli-provision.ts';
import { type DevServerConfig, loadDevConfig } from '../src/temporal/dev-config.ts';
import { startDevServer } from '../src/temporal/dev-server.ts';
import { installTemporalRuntime, workflowBundlerOptions } from '../src/worker.ts';
import { Cleanup } from './lib/cleanup.ts';
import { benchLogger, progress } from './lib/platform.ts';
import { table } from './lib/stats.ts';
import { costActivities } from './lib/temporal-cost/activities.ts';
import { SHAPES, type ShapeName } from './lib/temporal-cost/workflows.ts';

/**
 * `npm run bench:temporal-cost`: CPU time Temporal spends per dial, by workflow shape and dev-server
 * setting. A parent workflow starts `--count` children of one shape (`--window` at a time, with a
 * CampaignId search attribute, as the campaign does); their activities do no I/O, so the figures
 * are Temporal's own work: the worker process (this process: worker, plus an idle client) from
 * process.cpuUsage(), the dev server from /proc/<pid>/stat (10 ms ticks). Each setting gets a fresh
 * dev server (temporal-dev.yml, temp dir) and one warm-up batch. Postgres is not involved.
 * CPU ms per dial = CPU time over the batch / children. Wall-clock dials/s is printed but is only
 * meaningful on a quiet machine. Flags: --count N (200), --window N (100), --settings default,wal,wal-eager (all),
 * --shapes a,b (all).
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '200' },
    window: { type: 'string', default: '100' },
    settings: { type: 'string' },
    shapes: { type: 'string' },
  },
});
const REPO = new URL('../', import.meta.url).pathname;
const WAL = { journal_mode: 'WAL', synchronous: 'NORMAL' } as const;
/** Keyed by the name --settings takes; `label` is what the table prints. */
const SETTINGS: Record<string, Pick<DevServerConfig, 'sqlitePragmas'> & { eager: boolean; label: string }> = {
  default: { label: 'default sqlite', sqlitePragmas: {}, eager: false },
  wal: { label: 'WAL+NORMAL', sqlitePragmas: WAL, eager: false },
  'wal-eager': { label: 'WAL+NORMAL, eager activities', sqlitePragmas: WAL, eager: true },
};
const pick = <T extends string>(all: readonly T[], list?: string): T[] =>
  list
    ? list
        .split(',')
        .map((s) => s.trim() as T)
        .filter((s) => all.includes(s))
    : [...all];
const settings = pick(Object.keys(SETTINGS), values.settings);
const shapes = pick(Object.keys(SHAPES) as ShapeName[], values.shapes);
const count = Number(values.count);
const window = Number(values.window);

interface Row {
  setting: string;
  shape: ShapeName;
  workerMs: number;
  serverMs: number;
  dialsPerS: number;
}

function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const logger = benchLogger();
installTemporalRuntime(logger);
const cli = await ensureTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, logger });
const rows: Row[] = [];
for (const setting of settings) {
  const cleanup = new Cleanup();
  cleanup.onSignals();
  try {
    const base = { ...loadDevConfig(path.join(REPO, 'temporal-dev.yml')), ui: false };
    const { sqlitePragmas, eager, label } = SETTINGS[setting] as (typeof SETTINGS)[string];
    const config: DevServerConfig = {
      ...base,
      sqlitePragmas,
      dynamicConfig: { ...base.dynamicConfig, 'system.enableActivityEagerExecution': eager },
    };
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-temporal-cost-'));
    cleanup.add('temp dir', () => fs.rmSync(dataDir, { recursive: true, force: true }));
    progress(`${label}: starting a dev server...`);
    const dev = await startDevServer({ cliPath: cli.path, config, dataDir, overrides: { port: 0 }, logger });
    cleanup.add('dev server', () => dev.stop());
    const native = await NativeConnection.connect({ address: dev.address });
    cleanup.add('worker connection', () => native.close());
    const taskQueue = `cost-${Date.now().toString(36)}`;
    const worker = await Worker.create({
      connection: native,
      bundlerOptions: workflowBundlerOptions,
      namespace: dev.namespace,
      taskQueue,
      workflowsPath: new URL('./lib/temporal-cost/workflows.ts', import.meta.url).pathname,
      // SDK defaults, as src/worker.ts runs them.
      activities: costActivities,
    });
    const running = worker.run();
    cleanup.add('worker', async () => {
      worker.shutdown();
      await running;
    });
    const connection = await Connection.connect({ address: dev.address });
    cleanup.add('client connection', () => connection.close());
    const client = new Client({ connection, namespace: dev.namespace });
    const batch = (shape: ShapeName, n: number) =>
      client.workflow.execute('costParent', {
        taskQueue,
        workflowId: `cost-${shape.replace(/\W+/g, '-')}-${Date.now().toString(36)}`,
        args: [{ shape, count: n, window }],
      });
    await batch('dialer before', Math.min(50, count));
    for (const shape of shapes) {
      const w0 = ownCpuMs();
      const s0 = processCpuMs(dev.pid);
      const t0 = performance.now();
      await batch(shape, count);
      const wallS = (performance.now() - t0) / 1000;
      const row = {
        setting: label,
        shape,
        workerMs: (ownCpuMs() - w0) / count,
        serverMs: (processCpuMs(dev.pid) - s0) / count,
        dialsPerS: count / wallS,
      };
      rows.push(row);
      progress(
        `  ${shape}: worker ${row.workerMs.toFixed(1)} ms, server ${row.serverMs.toFixed(1)} ms per dial`,
      );
    }
  } finally {
    await cleanup.run();
  }
}

const load = os.loadavg()[0]?.toFixed(2);
console.log(
  `Temporal CPU per dial: ${count} children per shape, ${window} in flight, no-I/O activities, ` +
    `${os.cpus().length} cores (load average ${load} at the end)`,
);
console.log(
  table([
    ['setting', 'shape', 'worker ms/dial', 'server ms/dial', 'total ms/dial', 'dials/s (wall)'],
    ...rows.map((r) => [
      r.setting,
      r.shape,
      r.workerMs.toFixed(1),
      r.serverMs.toFixed(1),
      (r.workerMs + r.serverMs).toFixed(1),
      r.dialsPerS.toFixed(1),
    ]),
  ]),
);
console.log(
  JSON.stringify({
    bench: 'temporal-cost',
    count,
    window,
    rows: rows.map((r) => ({
      setting: r.setting,
      shape: r.shape,
      worker_ms_per_dial: Number(r.workerMs.toFixed(2)),
      server_ms_per_dial: Number(r.serverMs.toFixed(2)),
      dials_per_s: Number(r.dialsPerS.toFixed(1)),
    })),
  }),
);
